"""Payment files for the three channels, and the protection they leave Lotus with.

Each channel gets the columns it needs. XLSX files are written by XlsxWriter and encrypted
with the password by msoffcrypto-tool (ECMA-376 agile encryption, what Excel uses); CSV
files go inside a ZIP encrypted with AES-256 by pyzipper. The password is generated here,
shown once to the issuer and never stored.
"""

from __future__ import annotations

import csv
import io
import secrets
import string
from collections.abc import Iterable

import msoffcrypto
import pyzipper
import xlsxwriter
from django.utils.translation import gettext as _
from msoffcrypto.format.ooxml import OOXMLFile

from lotus.grants.models import Channel

PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 16

# (field on PaymentLine or derived key, column heading) per channel.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    Channel.BANK: [
        ("reference", "Payment reference"),
        ("full_name", "Beneficiary name"),
        ("id_number", "ID number"),
        ("provider", "Bank"),
        ("account_number", "Account number"),
        ("amount", "Amount (VND)"),
        ("currency", "Currency"),
        ("description", "Description"),
    ],
    Channel.POST_OFFICE: [
        ("reference", "Payment reference"),
        ("full_name", "Recipient name"),
        ("id_number", "ID number"),
        ("phone", "Phone"),
        ("address", "Address"),
        ("commune_name", "Commune"),
        ("province_name", "Province"),
        ("provider", "Post office"),
        ("amount", "Amount (VND)"),
    ],
    Channel.EWALLET: [
        ("reference", "Payment reference"),
        ("provider", "Wallet provider"),
        ("account_number", "Wallet number"),
        ("full_name", "Holder name"),
        ("id_number", "ID number"),
        ("amount", "Amount (VND)"),
        ("description", "Message"),
    ],
}


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def line_rows(channel: str, lines: Iterable[dict], *, description: str) -> list[list]:
    """The heading and one row per line (dicts with PaymentLine fields and place names)."""
    columns = COLUMNS[channel]
    rows: list[list] = [[heading for _key, heading in columns]]
    for line in lines:
        row = []
        for key, _heading in columns:
            if key == "currency":
                row.append("VND")
            elif key == "description":
                row.append(f"{description} {line['reference']}"[:140])
            else:
                row.append(line.get(key) or ("" if key != "amount" else 0))
        rows.append(row)
    return rows


def xlsx_bytes(rows: list[list], *, sheet: str) -> bytes:
    """An unprotected XLSX workbook of `rows` (money as whole numbers, IDs as text)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0"})
    for col, heading in enumerate(rows[0]):
        worksheet.write_string(0, col, str(heading), bold)
    for r, row in enumerate(rows[1:], start=1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                worksheet.write_number(r, col, value, money)
            else:
                worksheet.write_string(r, col, str(value))
    worksheet.set_column(0, len(rows[0]) - 1, 20)
    workbook.close()
    return buffer.getvalue()


def encrypt_xlsx(content: bytes, password: str) -> bytes:
    """Password-protect an XLSX (Office agile encryption)."""
    source = OOXMLFile(io.BytesIO(content))
    out = io.BytesIO()
    source.encrypt(password, out)
    return out.getvalue()


def decrypt_xlsx(content: bytes, password: str) -> bytes:
    """Open a protected XLSX with its password (used by tests and by nobody else)."""
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    # A byte-order mark so that Excel opens Vietnamese names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def aes_zip(member_name: str, content: bytes, password: str) -> bytes:
    """A ZIP with one member, encrypted with AES-256."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.writestr(member_name, content)
    return buffer.getvalue()


def read_aes_zip(content: bytes, password: str) -> dict[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(password.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def protected_file(
    *, channel: str, fmt: str, rows: list[list], basename: str, password: str
) -> tuple[str, bytes]:
    """(filename, bytes) of the protected payment file."""
    if fmt == "xlsx":
        content = encrypt_xlsx(xlsx_bytes(rows, sheet=_("Payments")), password)
        return f"{basename}.xlsx", content
    return f"{basename}.zip", aes_zip(f"{basename}.csv", csv_bytes(rows), password)
