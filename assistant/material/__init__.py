"""Trainer material for "Bình dân học vụ số": lesson packs (key points, FAQ, quiz, glossary, sources), every
item cited and checked against the documents. FastAPI-free."""
