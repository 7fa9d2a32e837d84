"""The coordinator's board (a Telegram Mini App): the plan as a table of statuses.

Pure: `grid` builds the board from the records of `records` (read by `storage.read_board`);
`auth` checks Telegram's `initData`. The web server around it is `handlers.web`.
"""
