"""The HTTP side of the shared kit: routes, responses, request-scoped dependencies."""
