"""Reading article files, cleaning them, chunking them and writing them to the store."""
