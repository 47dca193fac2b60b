"""Bodies of the auth API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from inkwell.core.schemas import CleanText, Schema
from inkwell.users.schemas import Password

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


class PasswordChange(Schema):
    """The current password, proving the holder is at the keyboard, and the new one."""

    current_password: Secret
    new_password: Password

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"current_password": "correct horse", "new_password": "battery staple"}]
        }
    )
