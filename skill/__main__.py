"""Command line: `python -m skill chat | validate`."""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill", description="Closer Together, the Alexa skill.")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="talk to the skill by typing (reads stdin when piped)")
    chat.add_argument("--ssml", action="store_true", help="print the raw SSML instead of readable text")
    commands.add_parser("validate", help="check content/ and the interaction models; non-zero exit on errors")
    commands.add_parser("create-table", help="create the DynamoDB table TABLE_NAME as template.yaml defines it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "chat":
        from skill.chat.repl import main as chat_main

        return chat_main(show_ssml=args.ssml)
    if args.command == "create-table":
        from skill.store.table import main as create_table_main

        return create_table_main()
    from skill.validate import main as validate_main

    return validate_main()


if __name__ == "__main__":
    sys.exit(main())
