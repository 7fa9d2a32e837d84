from bot.cli import main

# Guarded: the drawing process (bot.offload, "spawn") imports the main module again.
if __name__ == "__main__":
    raise SystemExit(main())
