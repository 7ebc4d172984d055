"""HTTP and websocket layer: thin routers that parse, call one service function, answer."""
