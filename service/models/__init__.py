"""Chat models: the embedded local GGUF model and OpenAI / OpenAI-compatible providers."""
