"""The Discord bot and the service around it. Uses `index`; `index` never imports `bot`."""
