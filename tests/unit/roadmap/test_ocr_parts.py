"""The parts of scan reading that need no tesseract: the number sequence repair, albums,
the page cap, doubtful fields by the rows a measure came from."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.roadmap import ImportRefused, pack_album, parse_document, raw
from bot.roadmap.confidence import with_confidence
from bot.roadmap.raw import RawCell, RawDocument, RawRow
from bot.roadmap.readers.ocr_repair import (
    UNIT_ABBREVIATIONS,
    _follows,
    _successors,
    finish,
    repair_headers,
    repair_numbers,
    repair_units,
)
from bot.roadmap.readers.ocr_words import (
    Word,
    abbreviations,
    better_latin,
    correct_units,
    correct_word,
    correct_words,
    latin_suspects,
    normalise_cell,
    normalise_word,
    parse_tsv,
    second_reading,
    zero_in_capitals,
)
from bot.roadmap.table import interpret


def _row(where: str, *texts: str, conf: float = 0.95) -> RawRow:
    return RawRow([RawCell(t, confidence=conf if t else None) for t in texts], where)


def test_numbers_follow_each_other() -> None:
    assert _follows((1, 1, 3), (1, 1, 4))
    assert _follows((1, 1), (1, 1, 1))
    assert _follows((1, 1, 21), (1, 2))
    assert _follows((1, 1, 21), (2,))
    assert not _follows((1, 1, 3), (3, 1, 9))
    assert not _follows((1, 1, 3), (1, 1, 3))


def test_missing_and_misread_numbers_are_filled_from_their_neighbours() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "1.1.1.", "Первое", "май", "ОО"),
        _row("page 1, row 2", "", "Второе", "май", "ОО"),  # missed
        _row("page 1, row 3", "3.1.9.", "Третье", "май", "ОО"),  # misread
        _row("page 1, row 4", "", "", "года", ""),  # a continuation: no title
        _row("page 1, row 5", "1.1.4.", "Четвёртое", "май", "ОО"),
    ]
    repair_numbers(doc)
    assert [r.cells[0].text for r in doc.rows] == ["1.1.1.", "1.1.2", "1.1.3", "", "1.1.4."]
    assert doc.rows[1].cells[0].confidence == 0.5  # filled in: shown as doubtful


def test_a_gap_that_does_not_match_is_left_alone() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "2.1", "Первое", "май", "ОО"),
        _row("page 1, row 2", "", "Второе", "май", "ОО"),
        _row("page 1, row 3", "", "Третье", "май", "ОО"),
        _row("page 1, row 4", "2.3", "Четвёртое", "май", "ОО"),
    ]
    repair_numbers(doc)
    assert [r.cells[0].text for r in doc.rows] == ["2.1", "", "", "2.3"]


def test_numbers_that_can_follow() -> None:
    assert _successors((1, 2, 7)) == [(1, 2, 8), (1, 2, 7, 1), (1, 3), (2,)]
    assert _successors((3,)) == [(4,), (3, 1)]


def test_a_number_whose_dots_were_lost_is_the_number_that_follows() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "1.2.7", "Седьмое", "май", "ОО"),
        _row("page 1, row 2", "128", "Восьмое", "май", "ОО"),
        _row("page 1, row 3", "1.29", "Девятое", "май", "ОО"),
        _row("page 1, row 4", "13", "Раздел третий", "", ""),  # 1.3 by its digits
        _row("page 1, row 5", "1.3.1", "Первое", "май", "ОО"),
        _row("page 1, row 6", "2. Раздел", "", "", ""),  # a section: not a misread number
        _row("page 1, row 7", "1.3.2", "Второе", "май", "ОО"),
        _row("page 1, row 8", "777", "Третье", "май", "ОО"),  # no follower has these digits
    ]
    repair_numbers(doc)
    numbers = [r.cells[0].text for r in doc.rows]
    assert numbers == ["1.2.7", "1.2.8", "1.2.9", "1.3", "1.3.1", "2. Раздел", "1.3.2", "777"]
    assert doc.rows[1].cells[0].confidence == 0.5  # changed: the preview asks


def test_a_header_read_again_with_slips_is_the_header() -> None:
    header = (
        "№ п/п",
        "Мероприятие (содержание деятельности)",
        "Сроки исполнения",
        "Ответственный",
    )
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", *header),
        _row("page 1, row 2", "1", "Первое", "май 2022", "МОУО"),
        # Page 2: «№ п/п» not read, a letter misread; then a data row naming a role.
        _row(
            "page 2, row 1",
            "",
            "Мероприятие (содержание деятельностн)",
            "Сроки исполнения",
            "Ответственньй",
        ),
        _row("page 2, row 2", "", "Мероприятие", "Сроки исполнения", "МОУО"),
        _row("page 2, row 3", "2", "Второе", "май 2022", "МОУО"),
    ]
    repair_headers(doc)
    assert doc.rows[2].texts() == list(header)
    assert doc.rows[3].texts() == ["", "Мероприятие", "Сроки исполнения", "МОУО"]


def test_a_page_break_under_a_misread_header_continues_the_measure() -> None:
    header = ("№ п/п", "Мероприятие", "Срок", "Ответственный")
    doc = RawDocument(source="scan", paragraphs=["План на 2022-2024 годы"], preamble_count=1)
    doc.rows = [
        _row("page 1, row 1", *header),
        _row("page 1, row 2", "1", "Начало названия", "май 2022", "МОУО"),
        _row("page 2, row 1", "", "Мероприятне", "Срок", "Ответствениый"),
        _row("page 2, row 2", "", "его конец", "", ""),
        _row("page 2, row 3", "2", "Второе", "июнь 2022", "МОУО"),
    ]
    finish(doc)
    first, second = interpret(doc).measures
    assert first.title == "Начало названия его конец"
    assert second.number == "2"


def test_an_album_is_refused_past_the_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "MAX_SCAN_PAGES", 2)
    album = pack_album([b"\xff\xd8\xff\xe0page"] * 3)
    with pytest.raises(ImportRefused) as info:
        parse_document(album, "album")
    assert info.value.reason == "too_many_pages"
    assert info.value.details == {"pages": 3, "limit": 2}


def test_a_damaged_album_is_refused() -> None:
    with pytest.raises(ImportRefused) as info:
        parse_document(pack_album([b"\xff\xd8\xff\xe0page"])[:-2], "album")
    assert info.value.reason == "corrupt_file"


def test_measures_get_the_confidence_of_their_rows() -> None:
    doc = RawDocument(source="scan", paragraphs=["План на 2022-2024 годы"], preamble_count=1)
    doc.rows = [
        _row("page 1, row 1", "№", "Мероприятие", "Срок", "Ответственный"),
        _row("page 1, row 2", "1", "Первое", "май 2022", "Иванов И.И."),
        RawRow(
            [
                RawCell("2", confidence=0.9),
                RawCell("Второе", confidence=0.92),
                RawCell("дскабрь 2022", confidence=0.41),
                RawCell("Петров П.П.", confidence=0.88),
            ],
            "page 1, row 3",
        ),
    ]
    parsed = with_confidence(interpret(doc), doc)
    first, second = parsed.measures
    assert first.confidence == 0.95 and first.doubtful == []
    assert second.confidence == 0.41 and second.doubtful == ["deadline"]
    assert second.to_json()["confidence"] == 0.41


def test_tesseract_tsv_words() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tМай\n"
        "5\t1\t1\t1\t1\t2\t50\t20\t30\t12\t-1\t \n"
    )
    (word,) = parse_tsv(tsv)
    assert (word.text, word.left, word.conf) == ("Май", 10, 0.965)


def test_without_recognition_a_scan_is_refused_at_once() -> None:
    from .builders import build_scanned_pdf, tiny_png

    with pytest.raises(ImportRefused) as info:
        parse_document(build_scanned_pdf(), "scan.pdf", ocr=False)
    assert info.value.reason == "scanned_pdf"
    with pytest.raises(ImportRefused) as info:
        parse_document(tiny_png(), "scan.png", ocr=False)
    assert info.value.reason == "unsupported_format"
    with pytest.raises(ImportRefused) as info:
        parse_document(pack_album([tiny_png()]), "album", ocr=False)
    assert info.value.reason == "unsupported_format"


def test_slips_that_need_no_dictionary() -> None:
    assert normalise_word("‘уровнях") == "уровнях"
    assert normalise_word("'/чителями") == "учителями"
    assert normalise_word("“О") == '"О'
    assert normalise_word("'А'") == "'А'"  # a word in quotes stays
    assert normalise_cell("МОУО, 00") == "МОУО, ОО"
    assert normalise_cell("в 00 муниципального образования") == "в 00 муниципального образования"
    assert normalise_cell("с учителями | членами комиссии)") == "с учителями (членами комиссии)"
    assert normalise_cell("в течение года | март") == "в течение года | март"


def test_a_zero_among_capitals_is_the_letter_o() -> None:
    assert zero_in_capitals("ОО, Д0О") == "ОО, ДОО"
    assert zero_in_capitals("М0УО, ИМЦ") == "МОУО, ИМЦ"
    assert normalise_cell("руководители Д0О") == "руководители ДОО"
    # Numbers, a year after a hyphen and a two-character code stay as printed.
    assert zero_in_capitals("Участие 100% ОО в 2025 году") == "Участие 100% ОО в 2025 году"
    assert zero_in_capitals("ОГЭ-2026, формат А0") == "ОГЭ-2026, формат А0"


def test_abbreviations_printed_are_counted() -> None:
    found = abbreviations(["МОУО, ИМЦ", "Заслушивание руководителей ОО", "ИМЦ, ОО", "иИМЦ"])
    assert found == Counter({"ИМЦ": 2, "ОО": 2, "МОУО": 1})


def test_unit_slips_in_the_responsible_column_are_corrected() -> None:
    known, printed = UNIT_ABBREVIATIONS, Counter({"ИМЦ": 6, "МОУО": 9, "ОО": 5, "ЦНППМ": 4})
    # Small letters for capitals; zeros for «ОО» beside them.
    assert correct_units("имц, 00", known, printed, doubtful=False) == "ИМЦ, ОО"
    assert correct_units("ОО, Д0О", known, printed, doubtful=False) == "ОО, ДОО"
    # A letter too many, read with doubt: the known unit; read surely: as printed.
    assert correct_units("иИМЦ", known, printed, doubtful=True) == "ИМЦ"
    guesses: list[str] = []
    assert correct_units("ИИМЦ", known, printed, doubtful=True, guesses=guesses) == "ИМЦ"
    assert guesses == ["ИИМЦ → ИМЦ"]
    assert correct_units("ИИМЦ", known, printed, doubtful=False) == "ИИМЦ"
    # One letter from an abbreviation the plan prints more often.
    assert correct_units("ЦНПМ, ОО", known, printed, doubtful=True) == "ЦНППМ, ОО"
    # A unit with a letter less than a known one is a unit of its own (ЦОКО, not РЦОКО);
    # one letter from several known units is left as read; words stay words.
    assert correct_units("ЦОКО", known, printed, doubtful=True) == "ЦОКО"
    assert correct_units("ТМО", known, printed, doubtful=True) == "ТМО"
    # A word of a known unit's name, or one the plan prints twice, is no slip of ОО.
    region = "МО КО, ГБУ КО НОО ПРОД"
    assert correct_units(region, known, printed, doubtful=True) == region
    assert correct_units("ЦОО, ОО", known, printed + Counter({"ЦОО": 2}), True) == "ЦОО, ОО"
    assert correct_units("ЦО, ОО", known, printed, True) == "ЦО, ОО"  # two letters: as read
    assert correct_units("Школы, ММО", known, printed, doubtful=True) == "Школы, ММО"
    assert correct_units("Рабочая группа", known, printed, doubtful=True) == "Рабочая группа"


def test_repair_units_reads_the_responsible_column_only() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "№ п/п", "Мероприятие", "Срок", "Ответственные", "Результат"),
        _row("page 1, row 2", "1", "Сбор данных", "май 2025", "имц, 00", "Справка имц"),
        _row("page 1, row 3", "2", "Отчеты", "май 2025", "иИМЦ", "Отчеты", conf=0.3),
        _row("page 1, row 4", "3", "Помощь", "май 2025", "ИМЦ, ОО", "иИМЦ", conf=0.3),
    ]
    repair_units(doc)
    assert doc.rows[1].texts()[3:] == ["ИМЦ, ОО", "Справка имц"]
    assert doc.rows[2].cells[3] == RawCell("ИМЦ", confidence=0.3)  # still asked to confirm
    assert doc.rows[3].texts()[3:] == ["ИМЦ, ОО", "иИМЦ"]  # another column: as read
    assert doc.joins == ["иИМЦ → ИМЦ (probable recognition slip)"]  # reported once
    parsed = interpret(doc)
    assert [m.units for m in parsed.measures] == [["ИМЦ", "ОО"], ["ИМЦ"], ["ИМЦ", "ОО"]]
    assert parsed.joins[0] == "иИМЦ → ИМЦ (probable recognition slip)"


def test_a_doubtful_non_word_is_corrected_by_the_page_or_the_dictionary() -> None:
    page = Counter({"МОУО": 12, "утвержденным": 1, "Положение": 1})
    assert correct_word("ММОУО", page) == "МОУО"  # printed often on the page
    assert correct_word("рекомендапий", page) == "рекомендаций"  # one dictionary word away
    assert correct_word("Обучающихсл)", page) == "Обучающихся)"
    # Of several dictionary words (голошение, положение, ...) the one printed on the page.
    assert correct_word("Голожение", page) == "Положение"
    assert correct_word("Голожение", Counter()) == "Голожение"
    assert correct_word("гтвержденным,", page) == "утвержденным,"  # of two, the one printed
    assert correct_word("Бобров", page) == "Бобров"  # a word: left alone
    assert correct_word("ДОО", page) == "ДОО"  # too short to tell
    assert correct_word("щщщщщщ", page) == "щщщщщщ"  # nothing near


def test_only_doubtful_words_of_a_page_are_corrected() -> None:
    def word(text: str, conf: float) -> Word:
        return Word(text, 0, 0, 10, 10, conf, (1, 1, 1))

    words = [word("МОУО", 0.5) for _ in range(3)] + [word("ММОУО", 0.3), word("Голожение", 0.9)]
    correct_words(words)
    assert [w.text for w in words[3:]] == ["МОУО", "Голожение"]


def _word(text: str, conf: float) -> Word:
    return Word(text, 0, 0, 10, 10, conf, (1, 1, 1))


def test_latin_names_misread_as_cyrillic_are_suspected() -> None:
    words = [
        _word("(Р15А,", 0.36),  # PISA
        _word("РИА", 0.0),  # PIRLS: a Russian word, read with no confidence
        _word("МОУО", 0.4),  # an abbreviation printed twice on the page
        _word("МОУО", 0.5),
        _word("ГБУ", 0.95),  # sure
        _word("322", 0.2),  # a number
        _word("школы", 0.3),  # lower case
    ]
    assert latin_suspects(words) == [0, 1]


def test_a_sure_latin_reading_replaces_the_cyrillic_one() -> None:
    assert better_latin(_word("(Р15А,", 0.36), [_word("(PISA,", 0.95)]) == "(PISA,"
    assert better_latin(_word("Р!ВЕ$", 0.25), [_word("PIRLS", 0.92)]) == "PIRLS"
    assert better_latin(_word("МОУО", 0.4), [_word("MOYO", 0.96)]) is None  # same letters
    assert better_latin(_word("Р!ВЕ$", 0.25), [_word("PIRLS", 0.6)]) is None  # not sure
    assert better_latin(_word("Р!ВЕ$", 0.25), [_word("Pirls", 0.95)]) is None  # not capitals
    assert better_latin(_word("Р!ВЕ$", 0.25), [_word("PI", 0.9), _word("RLS", 0.9)]) is None


def test_a_surer_second_reading_of_a_word_is_taken() -> None:
    page = Counter({"ОО": 3, "МОУО": 4})
    # Noise read again as the schools' «ОО», in the case the page prints it.
    assert second_reading(_word("[еде", 0.11), [_word("оо", 0.57)], page) == "ОО"
    # The same letters: the first text and its comma stay (the word is only surer).
    assert second_reading(_word("Е.В.,", 0.3), [_word("Е.В..", 0.8)], page) == "Е.В.,"
    assert second_reading(_word("А/И.,", 0.36), [_word("А.И.,", 0.71)], page) == "А.И.,"
    # Not taken: not surer enough, several words, fewer letters of a real first reading.
    assert second_reading(_word("МОУО", 0.45), [_word("МОУО", 0.5)], page) is None
    assert second_reading(_word("школа", 0.3), [_word("шк", 0.9), _word("ола", 0.9)], page) is None
    assert second_reading(_word("Е.В.,", 0.26), [_word("‚.В..", 0.84)], page) is None


def test_cells_with_print_but_no_word_are_found() -> None:
    import cv2
    import numpy as np

    from bot.roadmap.readers.ocr import Grid, _empty_cells

    page = np.full((100, 400), 255, np.uint8)
    cv2.putText(page, "Text", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0,), 2)
    cv2.putText(page, "Rd", (215, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0,), 2)
    page[30, 300] = 0  # a speck in the third cell: no print
    grid = Grid(rows=[(0, 100)], columns=[0, 200, 280, 400], present=[[0, 200, 280, 400]])
    read = [Word("Rd", 215, 35, 45, 30, 0.9, (1, 1, 1))]  # the second cell's word was read
    ((x, y, crop),) = _empty_cells(page, read, grid)
    assert 10 <= x <= 22 and 30 <= y <= 42  # the first cell's print, where the page has it
    assert 60 <= crop.shape[1] <= 90 and 20 <= crop.shape[0] <= 40


def test_columns_of_a_table_without_ruling_lines_are_the_gaps_in_its_print() -> None:
    from bot.roadmap.readers.ocr import column_gaps

    # 20 lines: a number column (x 10-30), titles (60-300), deadlines (340-400); one heading
    # line runs across the first gap, a gap narrower than 1/12 inch does not count.
    covered = [0] * 420
    for x in range(10, 31):
        covered[x] = 20
    for x in range(31, 60):
        covered[x] = 1  # the heading
    for x in range(60, 301):
        covered[x] = 0 if 150 <= x < 160 else 20
    for x in range(340, 401):
        covered[x] = 20
    assert column_gaps(covered, 20, dpi=200) == [6, 45, 320, 404]
    assert column_gaps([0] * 10, 20, dpi=200) == []


def test_a_page_without_ruling_lines_is_straightened_by_its_lines_of_print() -> None:
    import cv2
    import numpy as np

    from bot.roadmap.readers.ocr import text_skew

    page = np.full((1400, 1000), 255, np.uint8)
    for y in range(100, 1300, 40):
        cv2.putText(page, "Plan of measures 2025", (60, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0,), 2)
    for turn in (-0.8, 0.0, 0.6):
        matrix = cv2.getRotationMatrix2D((500, 700), turn, 1.0)
        turned = cv2.warpAffine(page, matrix, (1000, 1400), borderValue=(255,))
        assert abs(text_skew(turned) + turn) <= 0.15


def test_a_section_heading_numbers_the_measures_under_it() -> None:
    doc = RawDocument(source="scan")
    doc.rows = [
        _row("page 1, row 1", "2.1.5", "Пятое", "май", "ОО"),
        _row("page 1, row 2", "2.2. Система работы", "", "", ""),
        _row("page 1, row 3", "2.21", "Первое", "май", "ОО"),  # the dot lost
        _row("page 1, row 4", "2.2.2", "Второе", "май", "ОО"),
        _row("page 1, row 5", "2.3. Система оценки", "", "", ""),
        _row("page 1, row 6", "ал,", "Первое", "май", "ОО"),  # not read
        _row("page 1, row 7", "23:2", "Второе", "май", "ОО"),  # misread
        _row("page 1, row 8", "2.3.3", "Третье", "май", "ОО"),
        _row("page 1, row 9", "7", "Четвёртое", "май", "ОО"),  # not read: 2.3.4
        _row("page 1, row 10", "235", "Пятое", "май", "ОО"),  # one further than 2.3.3
    ]
    repair_numbers(doc)
    assert [r.cells[0].text for r in doc.rows] == [
        "2.1.5",
        "2.2. Система работы",
        "2.2.1",
        "2.2.2",
        "2.3. Система оценки",
        "2.3.1",
        "2.3.2",
        "2.3.3",
        "2.3.4",
        "2.3.5",
    ]


def test_a_borderless_header_on_two_lines_is_one_row_on_every_page() -> None:
    header = ("№", "Мероприятие", "Срок", "Ответственный")
    doc = RawDocument(source="scan", paragraphs=["План на 2022-2024 годы"], preamble_count=1)
    doc.rows = [
        _row("page 1, line 1", *header),
        _row("page 1, line 2", "", "", "выполнения", "исполнитель"),
        _row("page 1, line 3", "1", "Начало названия", "май 2022", "МОУО"),
        _row("page 2, line 1", *header),
        _row("page 2, line 2", "", "", "выполнения", "исполнитель"),
        _row("page 2, line 3", "", "его конец", "", ""),
        _row("page 2, line 4", "2", "Второе", "июнь 2022", "МОУО"),
    ]
    finish(doc)
    assert doc.rows[0].texts() == [
        "№ п/п",
        "Мероприятие",
        "Срок выполнения",
        "Ответственный исполнитель",
    ]
    assert len(doc.rows) == 5
    first, second = interpret(doc).measures
    assert first.title == "Начало названия его конец" and first.units == ["МОУО"]
    assert second.number == "2"
