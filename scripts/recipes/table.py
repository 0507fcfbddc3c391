"""One table from the result rows of several runs.

Each replica run with --json prints its row as a line `JSON {...}`; this collects those lines from
the log files given (or stdin) and prints them as one table, in the order found.

  python scripts/recipes/table.py /tmp/recipes/*.log
"""

from __future__ import annotations

import json
import sys

from common import print_table


def main() -> None:
    sources = [open(path, encoding='utf-8') for path in sys.argv[1:]] or [sys.stdin]
    rows = [json.loads(line[5:]) for source in sources for line in source if line.startswith('JSON ')]
    # Rows of both replicas share most columns; give each row every column seen.
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print_table([{key: row.get(key, '') for key in columns} for row in rows])


if __name__ == '__main__':
    main()
