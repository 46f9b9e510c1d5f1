"""Write the sample datasets (the course's examples) with a few realistically dirty rows.

    python -m sample_data.generate        # rewrites sample_data/<dataset>/... ; deterministic (fixed seed)

Each dataset is declared in config/environments/dev.yaml; `make demo` curates them all on moto.
Dirty rows are deliberate: each one should end in quarantine with the reason noted next to it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20240101


def characters(rng: random.Random) -> str:
    """One JSON document with a root array, as in the course: {"Characters": [{"ID": 1, ...}, ...]}."""
    first = ["Luke", "Leia", "Han", "Vader", "Yoda", "Rey", "Finn", "Kylo", "Padme", "Obi", "Lando", "Jyn", "Maul"]
    species = ["Human", "Wookiee", "Droid", "Twi'lek", "Rodian", "Zabrak", "Ewok", "Hutt"]
    records: list[object] = []
    for i in range(1, 401):
        evil = rng.random() < 0.3
        # The same fact written three ways, as sources do: 0/1, true/false and T/F.
        style = rng.choice(["number", "json", "letter"])
        value = {"number": int(evil), "json": evil, "letter": "T" if evil else "F"}[style]
        record: dict[str, object] = {
            "ID": i,
            "Name": f"{rng.choice(first)} {chr(65 + i % 26)}{i}",
            "Species": rng.choice(species) if rng.random() > 0.05 else "NA",
            "Evil": value,
        }
        if rng.random() < 0.1:
            record["Homeworld"] = rng.choice(["Tatooine", "Alderaan", "Naboo"])  # undeclared: ignored
        records.append(record)
    records[10]["Name"] = ""  # missing_required
    records[20]["Evil"] = "maybe"  # type_mismatch
    records[30]["ID"] = "thirty-one"  # type_mismatch
    records[40]["ID"] = 0  # out_of_range (min 1)
    records[50] = dict(records[49])  # duplicate_key (same ID as the row before)
    records[60] = "Chewbacca"  # parse_error: not a JSON object
    del records[70]["Evil"]  # missing_required
    return json.dumps({"Characters": records}, indent=1) + "\n"


def spam_emails(rng: random.Random) -> str:
    domains = ["gmail.com", "example.org", "agency.gov", "shop.net", "news.co.uk", "univ.edu", "mail.com"]
    spammy = ["free-prizes.biz", "cheap-meds.info", "win-now.xyz", "deals4u.top"]
    ham = [
        "Hi, are we still on for lunch tomorrow?",
        "Welcome to the team! Your onboarding starts Monday.",
        "Minutes of yesterday's meeting attached.",
        "Hey, can you review my pull request when you have a minute?",
        "Your order has shipped and will arrive on Thursday.",
        'Quarterly report: revenue up 4%, see "Summary" tab',
    ]
    spam = [
        "Click here to claim your FREE gift card!!!",
        "You have WON $1,000,000 - reply with your bank details",
        "Cheap meds, no prescription, fast delivery",
        "Free gift: limited offer, act now",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "from_domain", "body", "spam"])
    for i in range(1, 1001):
        is_spam = rng.random() < 0.35
        domain = rng.choice(spammy if is_spam and rng.random() < 0.7 else domains)
        names = ["Ann", "Bob", "Chen", "Dana", "Eli", "Fatima", "Goran", "Hana"]
        body = f"{rng.choice(spam if is_spam else ham)} -- {rng.choice(names)} #{rng.randint(100, 99999)}"
        writer.writerow([i, domain, body, "T" if is_spam else "F"])
    lines = out.getvalue().splitlines()
    lines[101] = "101,Not A Domain,Hello there,F"  # pattern_mismatch
    lines[202] = "202,mail.com,Meeting moved to 3pm,maybe"  # type_mismatch
    lines[303] = "303,shop.net,,T"  # missing_required (empty body)
    lines[404] = lines[403]  # duplicate_key (id 403 twice)
    lines[505] = "505,example.org"  # parse_error: too few fields
    lines[606] = '606,gmail.com,"unbalanced, quote,F'  # parse_error
    return "\n".join(lines) + "\n"


def dog_breeds(rng: random.Random) -> str:
    """Pipe-delimited: height|weight|breed (cm, kg)."""
    breeds = {
        "beagle": (36, 11),
        "dachshund": (22, 9),
        "german_shepherd": (60, 32),
        "labrador": (57, 30),
        "poodle": (45, 20),
    }
    rows = ["height|weight|breed"]
    for _ in range(600):
        breed = rng.choice(list(breeds))
        height, weight = breeds[breed]
        rows.append(f"{rng.gauss(height, height * 0.08):.1f}|{rng.gauss(weight, weight * 0.12):.1f}|{breed}")
    rows[50] = "31.0|7.5|cairn_terrier"  # not_allowed
    rows[150] = "350|30|labrador"  # out_of_range (max height 120)
    rows[250] = "40|heavy|poodle"  # type_mismatch
    rows[350] = "38|9|"  # missing_required
    rows[450] = "38|9|beagle|extra"  # parse_error: one field too many
    return "\n".join(rows) + "\n"


def houses(rng: random.Random) -> str:
    """Prices written like $125,000, as in the course."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["house_id", "bedrooms", "bathrooms", "square_feet", "sold_on", "price"])
    start = date(2022, 1, 1)
    for i in range(1, 801):
        bedrooms = rng.randint(1, 5)
        square_feet = int(500 + bedrooms * 350 + rng.gauss(0, 150))
        price = round(95 * square_feet + rng.gauss(5000, 12000), -3)
        sold = start + timedelta(days=rng.randint(0, 900))
        bathrooms = rng.choice(["1", "1.5", "2", "2.5", "3"]) if rng.random() > 0.04 else ""
        writer.writerow([i, bedrooms, bathrooms, square_feet, sold.isoformat(), f"${price:,.0f}"])
    lines = out.getvalue().splitlines()
    lines[100] = "100,3,2,1600,2023-04-01,call agent"  # type_mismatch
    lines[200] = '200,-1,1,900,2022-06-12,"$98,000"'  # out_of_range (bedrooms >= 0)
    lines[300] = '300,2,1,1100,13/45/2022,"$105,000"'  # type_mismatch (date format)
    lines[400] = lines[399]  # duplicate_key (house 399 twice)
    lines[500] = "500,2,1,1000,2022-02-02,"  # missing_required (price)
    return "\n".join(lines) + "\n"


def adult_census(rng: random.Random) -> str:
    """Like the UCI adult extract: ', ' separators and '?' for unknown values."""
    workclass = ["Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Federal-gov", "?"]
    education = [("HS-grad", 9), ("Some-college", 10), ("Bachelors", 13), ("Masters", 14), ("11th", 7)]
    marital = ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed"]
    occupation = ["Adm-clerical", "Exec-managerial", "Craft-repair", "Sales", "Prof-specialty", "?"]
    relationship = ["Husband", "Wife", "Not-in-family", "Own-child", "Unmarried"]
    race = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
    countries = ["United-States"] * 12 + ["Mexico", "Philippines", "Germany", "India", "?"]
    header = [
        "age",
        "workclass",
        "fnlwgt",
        "education",
        "education_num",
        "marital_status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "capital_gain",
        "capital_loss",
        "hours_per_week",
        "native_country",
        "income",
    ]
    lines = [",".join(header)]
    for _ in range(2000):
        edu, edu_num = rng.choice(education)
        rich = rng.random() < 0.08 + 0.04 * (edu_num - 7)
        row = [
            rng.randint(17, 90),
            rng.choice(workclass),
            rng.randint(20000, 900000),
            edu,
            edu_num,
            rng.choice(marital),
            rng.choice(occupation),
            rng.choice(relationship),
            rng.choice(race),
            rng.choice(["Male", "Male", "Female"]),
            rng.choice([0] * 12 + [2174, 5178, 14084]),
            rng.choice([0] * 15 + [1902]),
            rng.randint(10, 80),
            rng.choice(countries),
            ">50K" if rich else "<=50K",
        ]
        lines.append(", ".join(map(str, row)))
    lines[77] = "150" + lines[77][lines[77].index(",") :]  # out_of_range (age)
    lines[177] = lines[177].rsplit(", ", 1)[0] + ", ?"  # missing_required (income)
    lines[277] = lines[277].rsplit(", ", 1)[0] + ", >50K."  # not_allowed (the test file's trailing dot)
    lines[377] = "39, State-gov, 77516, Bachelors"  # parse_error: truncated line
    return "\n".join(lines) + "\n"


def access_logs(rng: random.Random) -> str:
    """Apache combined log format."""
    paths = ["/", "/index.html", "/products", "/products/42", "/cart", "/login", "/api/items?page=2", "/img/logo.png"]
    agents = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "curl/8.4.0",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
    ]
    at = datetime(2024, 3, 1, 8, 0, 0)
    lines = []
    for _ in range(1500):
        at += timedelta(seconds=rng.randint(0, 90))
        method = rng.choice(["GET"] * 8 + ["POST", "HEAD"])
        status = rng.choice([200] * 14 + [301, 304, 404, 500])
        size = "-" if status == 304 or method == "HEAD" else str(rng.randint(200, 50000))
        referrer = rng.choice(["-", "https://www.example.com/", "https://search.example.net/?q=shop"])
        user = rng.choice(["-"] * 9 + ["alice"])
        ip = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append(
            f'{ip} - {user} [{stamp}] "{method} {rng.choice(paths)} HTTP/1.1" {status} {size} '
            f'"{referrer}" "{rng.choice(agents)}"'
        )
    lines[100] = lines[100][:40]  # parse_error: truncated line
    lines[200] = re.sub(r'"[A-Z]+ ', '"FETCH ', lines[200], count=1)  # not_allowed (method)
    lines[300] = lines[300].replace("/2024:", "/20x4:", 1)  # type_mismatch (timestamp)
    lines[400] = "garbage line from a misconfigured logger"  # parse_error
    return "\n".join(lines) + "\n"


def weather_observations(rng: random.Random) -> str:
    """Weather station observations as XML: one <observation> element per record, its station and time
    as attributes, its measurements as child elements (the multi-variable weather data of the course)."""
    stations = {"KSEA": 9.0, "KDEN": 4.0, "KMIA": 24.0, "KBOS": 6.0, "KPHX": 21.0}
    conditions = ["clear", "cloudy", "rain", "snow", "fog"]
    records = []
    at = datetime(2024, 3, 1, 0, 0, 0)
    for i in range(600):
        station = list(stations)[i % len(stations)]
        if i % len(stations) == 0:
            at += timedelta(hours=1)
        temperature = round(stations[station] + rng.gauss(0, 4), 1)
        sky = rng.choice(conditions)
        if sky == "snow" and temperature > 3:
            temperature = round(rng.uniform(-8, 3), 1)  # it snows where it is cold
        records.append(
            f'  <observation station="{station}" observed_at="{at.isoformat()}Z">\n'
            f"    <temperature_c>{temperature}</temperature_c>\n"
            f"    <humidity_pct>{rng.randint(20, 100)}</humidity_pct>\n"
            f"    <wind_kmh>{rng.randint(0, 60)}</wind_kmh>\n"
            f"    <conditions>{sky}</conditions>\n"
            "  </observation>"
        )
    records[50] = records[50].replace(' station="KSEA"', "")  # missing_required (station)
    records[150] = re.sub(r"<temperature_c>[^<]*<", "<temperature_c>warm<", records[150])  # type_mismatch
    records[250] = re.sub(r"<humidity_pct>[^<]*<", "<humidity_pct>140<", records[250])  # out_of_range
    records[350] = re.sub(r"<conditions>[^<]*<", "<conditions>hail storm<", records[350])  # not_allowed
    records[450] = records[449]  # duplicate_key (the same station and time again)
    body = "\n".join(records)
    # The last record was cut off mid-write: parse_error (the records before it are read).
    cut = '\n  <observation station="KBOS" observed_at="2024-03-06T01:00:00Z">\n    <temperature_c>5.'
    return '<?xml version="1.0" encoding="UTF-8"?>\n<weather>\n' + body + cut + "\n"


DATASETS = {
    "characters/characters.json": characters,
    "spam_emails/spam_emails.csv": spam_emails,
    "dog_breeds/dog_breeds.psv": dog_breeds,
    "houses/houses.csv": houses,
    "adult_census/adult_census.csv": adult_census,
    "access_logs/access.log": access_logs,
    "weather_observations/observations.xml": weather_observations,
}


def main() -> None:
    for relative, make in DATASETS.items():
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make(random.Random(f"{SEED}-{relative}")), encoding="utf-8")
        print(f"{path.relative_to(HERE.parent)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
