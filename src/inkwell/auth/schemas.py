"""Bodies of the auth API."""

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from inkwell.core.schemas import CleanText

# What a login is given, in either dialect's form: any text of a sane length (a name
# or an address nobody has simply fails to log in, like a wrong password).
Login = Annotated[str, StringConstraints(min_length=1, max_length=255), CleanText]
Secret = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    CleanText,
    Field(json_schema_extra={"format": "password"}),
]


class Token(BaseModel):
    access_token: str
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until the token expires", examples=[1800])
