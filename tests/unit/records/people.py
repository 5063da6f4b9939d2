"""Record values shared by the records unit tests: 山田 太郎 as the demo records hold him."""

from __future__ import annotations

from datetime import date

from portal.records.model import Address, Gender, Name, Person

YAMADA = Person(
    person_id="P0001",
    household_id="H0001",
    name=Name("山田", "太郎", "ヤマダ", "タロウ"),
    birthdate=date(1985, 4, 12),
    gender=Gender.MALE,
    relationship="世帯主",
    address=Address("東京都千代田区千代田一丁目1番", "", "1000001"),
    became_resident_on=date(1985, 4, 12),
    address_set_on=date(2016, 9, 10),
)
