"""Operations tests: servers in their own processes (tests/conftest.py: `serve`,
`postgres_database`)."""
