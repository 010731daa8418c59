"""Reading exports: layouts, encodings, .sav, the parsed cache, cells to numbers."""
