"""Numbers for people, in one place: costs, per-million prices, CO2e and energy.

Never an exponent (`$4.00e-07` is unreadable and can't be pasted into a spreadsheet): tiny values
keep three significant digits in plain decimals, and small masses and energies move to a smaller
unit (mg, mWh) instead of growing zeros. Pure functions of the standard library only.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

MILLION = Decimal(1_000_000)
SIGNIFICANT = 3


def _decimal(value: float | int | Decimal) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def plain(value: float | int | Decimal, significant: int = SIGNIFICANT, *, min_places: int = 0) -> str:
    """`value` rounded to `significant` digits (at least `min_places` decimals), in fixed point:
    0.0000004 → "0.0000004", 0.00807072 → "0.00807", 1234.5 → "1235", 2 → "2"."""
    number = _decimal(value)
    if number is None:
        return "?"
    if number == 0:
        return "0" if not min_places else "0." + "0" * min_places
    places = max(min_places, significant - number.adjusted() - 1, 0)
    with localcontext() as context:  # room for every digit: 1e26 has more than the default 28
        context.prec = max(context.prec, number.adjusted() + places + 2)
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(min_places, "0")
        text = f"{whole}.{fraction}" if fraction else whole
    return text


def format_cost(cost: float | int | Decimal) -> str:
    """USD: "$0.0000004", "$0.000006", "$0.00123", "$0.15", "$12.35" (cents from a dollar up)."""
    number = _decimal(cost)
    if number is None:
        return "?"
    if abs(number) >= 1:
        return f"${plain(number, significant=1, min_places=2)}"
    return f"${plain(number)}"


def format_price(per_token: Decimal | None) -> str:
    """Per million tokens, as people read it: "$0.15", "$4.00", "free", "dynamic", "?" (unknown)."""
    if per_token is None:
        return "?"
    if per_token < 0:
        return "dynamic"
    if per_token == 0:
        return "free"
    return f"${plain(per_token * MILLION, significant=4, min_places=2)}"


def tsv_price(per_token: Decimal | None) -> str:
    """Per million tokens as a bare decimal for `sort -n` and awk ("0.15", "0" when free); empty
    when dynamic or unknown, since no number would be true."""
    if per_token is None or per_token < 0:
        return ""
    return plain(per_token * MILLION, significant=12)


def format_co2e(grams: float | int | Decimal) -> str:
    """CO2e: "8.07 mg" below a gram, "1.23 g", "4.56 kg" from a kilogram up."""
    return _with_unit(grams, "g", ("mg", "g", "kg"))


def format_energy(watt_hours: float | int | Decimal) -> str:
    """Energy: "48 mWh" below a watt-hour, "1.5 Wh", "2.3 kWh" from a kilowatt-hour up."""
    return _with_unit(watt_hours, "Wh", ("mWh", "Wh", "kWh"))


def _with_unit(value: float | int | Decimal, unit: str, scale: tuple[str, str, str]) -> str:
    number = _decimal(value)
    if number is None:
        return f"? {unit}"
    small, base, large = scale
    if number != 0 and abs(number) < 1:
        return f"{plain(number * 1000)} {small}"
    if abs(number) >= 1000:
        return f"{plain(number / 1000)} {large}"
    return f"{plain(number)} {base}"
