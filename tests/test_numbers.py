"""One formatter for the numbers people read: no exponent, small units below one."""

from decimal import Decimal

from lowrouter_cli.render.messages import Footer
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy, format_price, plain, tsv_price
from lowrouter_cli.render.tables import eco_pairs, generation_summary
from lowrouter_cli.records import parse_generation


def test_costs_keep_three_significant_digits_and_never_an_exponent():
    cases = {4e-7: "$0.0000004", 0.000006: "$0.000006", 0.00123456: "$0.00123", 0.15: "$0.15",
             12.345: "$12.35", 1: "$1.00", 0: "$0", Decimal("0.0000000001234"): "$0.000000000123"}
    assert {value: format_cost(value) for value in cases} == cases
    assert format_cost(float("nan")) == "?" and format_cost(True) == "?"


def test_co2e_in_mg_below_a_gram_and_energy_in_mwh_below_a_watt_hour():
    assert [format_co2e(g) for g in (0.00807072, 0.002688, 1.5, 0, 2500)] == [
        "8.07 mg", "2.69 mg", "1.5 g", "0 g", "2.5 kg"]
    assert [format_energy(wh) for wh in (0.048, 0.04, 1.25, 1500)] == ["48 mWh", "40 mWh", "1.25 Wh", "1.5 kWh"]


def test_prices_per_million_for_people_and_for_sort_n():
    assert plain(0.00807072) == "0.00807" and plain(1234.5) == "1235"
    assert format_price(Decimal("0.00000015")) == "$0.15" and format_price(Decimal("0.000004")) == "$4.00"
    assert [tsv_price(p) for p in (Decimal("0.00000015"), Decimal("0.000004"), Decimal("0.0000000125"),
                                   Decimal(0), Decimal(-1), None)] == ["0.15", "4", "0.0125", "0", "", ""]


def test_footer_and_generation_view_use_the_formatter():
    assert Footer(model="m", cost=4e-7).text() == "m · $0.0000004"
    record = parse_generation({"total_cost": 4e-7, "lowrouter": {"eco": {
        "energy_wh": 0.048, "it_energy_wh": 0.04, "pue": 1.2, "co2e_g": 0.00807072, "grid_zone": "FR"}}})
    assert ("cost", "$0.0000004") in generation_summary(record)
    assert eco_pairs(record)[:4] == [("energy", "48 mWh"), ("IT energy", "40 mWh"), ("PUE", "1.2"),
                                     ("CO2e", "8.07 mg")]
    assert eco_pairs(parse_generation({"lowrouter": {"eco": {"co2e_g": "lots"}}})) == []  # not a number: left out


def test_tsv_co2e_is_a_plain_decimal_never_an_exponent(fake_env):
    from types import SimpleNamespace

    from lowrouter_cli.render.tables import print_history

    env = fake_env()
    row = SimpleNamespace(time="2026-11-26T00:00:00.000000Z", generation_id="gen-1", model="m", provider="p",
                          region="r", prompt_tokens=1, completion_tokens=2, cost_usd="0.0000004", outcome="ok",
                          co2e_g=0.0000807)
    print_history(env, [row])
    assert env.stdout.getvalue().splitlines()[1].split("\t")[7:] == ["0.0000004", "ok", "0.0000807"]
