"""One router per resource; ``service.api.app.ROUTERS`` lists them."""
