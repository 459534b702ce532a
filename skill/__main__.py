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
    commands.add_parser("compile", help="precompile templates and catalogue for fast cold starts (the Lambda build)")
    serve = commands.add_parser("serve", help="the skill as a web service: POST /alexa (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default WEB_CONCURRENCY or 2)")
    serve.add_argument("--certfile", help="TLS certificate, to serve HTTPS directly")
    serve.add_argument("--keyfile", help="TLS private key")
    serve.add_argument(
        "--no-verify-signature", action="store_true", help="skip the signature check (local testing only)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "chat":
        from skill.chat.repl import main as chat_main

        return chat_main(show_ssml=args.ssml)
    if args.command == "compile":
        from skill.content import compile_catalog, load_catalog
        from skill.speech import compile_templates

        catalog = load_catalog()
        compile_templates(catalog)
        compile_catalog(catalog)
        return 0
    if args.command == "serve":
        logging.getLogger().setLevel(logging.INFO)
        from skill.web.server import serve as run_server

        return run_server(args.host, args.port, not args.no_verify_signature, args.workers, args.certfile, args.keyfile)
    if args.command == "create-table":
        from skill.store.table import main as create_table_main

        return create_table_main()
    from skill.validate import main as validate_main

    return validate_main()


if __name__ == "__main__":
    sys.exit(main())
