"""The web edge: the coordinator's board (a Telegram Mini App) served over aiohttp.

`board.py` holds the routes (authenticated by Telegram's initData, role checked in the
database on every request); `templates/` the server-rendered HTML (Jinja2), `static/` the
one small script and the style, served by the bot itself (nothing fetched from elsewhere).
The pure part (the grid, initData) is `bot.board`; the reads are `storage.read_board`.
"""

from handlers.web.board import AccessLogger, BoardContext, create_board_app, mount_board

__all__ = ["AccessLogger", "BoardContext", "create_board_app", "mount_board"]
