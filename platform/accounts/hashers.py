"""How passwords are stored.

Argon2id at OWASP's recommended minimum (19 MiB of memory, 2 passes, 1 lane). A sign-in
costs ~24 ms of CPU here, against ~307 ms for PBKDF2-SHA256 at Django's 1,000,000 rounds
(``bench/accounts_password_hashing.py``), so a hall of 300 officers signing in before an exam is
about 7 s of CPU instead of about 92 s. Being memory-hard, each guess also costs an
attacker's GPU 19 MiB, which PBKDF2 never does. OWASP Password Storage Cheat Sheet:
https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html

Stored PBKDF2 hashes keep working and are re-hashed with Argon2id at the person's next
sign-in (Django's ``must_update``); hashes with other Argon2 parameters are, too.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
