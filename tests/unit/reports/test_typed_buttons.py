"""A button's label typed instead of pressed is that button, on the step that shows it."""

from __future__ import annotations

import pytest

from handlers.callbacks import ReportFlowAction
from handlers.reports.states import ReportStates
from handlers.reports.writing import typed_action

COLLECTING = ReportStates.collecting.state
REASON = ReportStates.reason.state


@pytest.mark.parametrize("text", ["Отмена", "отмена", " ОТМЕНА! ", "Cancel", "✖️ Отмена"])
def test_cancel_on_every_step(text: str) -> None:
    assert typed_action(text, COLLECTING) is ReportFlowAction.CANCEL
    assert typed_action(text, REASON) is ReportFlowAction.CANCEL


def test_results_only_while_drafting() -> None:
    assert typed_action("Выполнено", COLLECTING) is ReportFlowAction.DONE
    assert typed_action("частично", COLLECTING) is ReportFlowAction.PARTIAL
    assert typed_action("Не выполнено", COLLECTING) is ReportFlowAction.NOT_DONE
    assert typed_action("done", COLLECTING) is ReportFlowAction.DONE
    # Asked for the reason, «не выполнено» is the reason's text, not a button.
    assert typed_action("Не выполнено", REASON) is None


@pytest.mark.parametrize("text", ["", "приказ подписан", "отмена приказа", "выполнено частично"])
def test_other_text_is_text(text: str) -> None:
    assert typed_action(text, COLLECTING) is None
