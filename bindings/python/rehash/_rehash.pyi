"""Type hints of the extension module (bindings/python/src/lib.rs)."""

from typing import Mapping, Optional, Tuple, Union

Secret = Union[str, bytes, bytearray]
Text = Union[str, bytes]
Params = Union[Mapping[str, Union[str, int, bool]], str, bytes]

class Policy:
    @staticmethod
    def from_toml(toml: Text) -> Policy: ...
    @staticmethod
    def default() -> Policy: ...
    def verify(
        self,
        password: Secret,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> Tuple[bool, bool]: ...
    def verify_and_upgrade(
        self,
        password: Secret,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> Tuple[bool, Optional[str]]: ...
    def verify_dummy(self, password: Secret) -> bool: ...
    def hash(self, password: Secret) -> str: ...
    def hash_with_salt(self, password: Secret, salt: Secret) -> str: ...
    def identify(
        self,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> str: ...
    def inspect(
        self,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> dict: ...
    def needs_upgrade(
        self,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> bool: ...
    def wrap(
        self,
        hash: Text,
        *,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def target_params(self) -> dict[str, int]: ...
    @property
    def hash_len(self) -> int: ...

def version() -> str: ...
def families() -> list[Tuple[str, str, bool, bool, Optional[int], str]]: ...
