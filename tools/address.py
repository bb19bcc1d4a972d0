"""US address validation: usaddress parses, the zipcodes data checks ZIP ↔ state/city, and rules add PO box vs
carrier and a missing unit judged against the customer's own address history. Pure: no I/O beyond the
packages' bundled data (the CRF model and the ZIP table)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Literal

import usaddress
import zipcodes

from tools.contracts.domain import Address, Strict

Severity = Literal["error", "warning"]


class IssueCode(StrEnum):
    po_box = "po_box"
    missing_unit = "missing_unit"
    zip_state_mismatch = "zip_state_mismatch"
    zip_unknown = "zip_unknown"
    city_mismatch = "city_mismatch"
    non_us = "non_us"
    unparseable = "unparseable"


class AddressIssue(Strict):
    code: IssueCode
    severity: Severity
    message: str


class AddressValidation(Strict):
    valid: bool
    validated: bool  # False when no US check could run (non-US, unparseable); valid is False then too
    normalized: Address | None
    issues: list[AddressIssue]
    po_box: bool
    carrier_delivers_po_box: bool | None  # None: no carrier given, or one we know nothing about
    has_unit: bool
    missing_unit: bool
    reason: str | None  # the first error's message, for a one-line explanation

    def codes(self) -> list[IssueCode]:
        return [issue.code for issue in self.issues]


# Ground/express networks refuse PO boxes; the services that hand the last mile to USPS accept them.
CARRIER_DELIVERS_PO_BOX = {
    "usps": True, "ups_surepost": True, "fedex_smartpost": True, "dhl_ecommerce": True,
    "ups": False, "fedex": False, "dhl": False, "dhl_express": False, "ontrac": False,
}
US_COUNTRIES = {"US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA", "AMERICA"}
_STATE_TABLE = (
    "ALABAMA=AL,ALASKA=AK,ARIZONA=AZ,ARKANSAS=AR,CALIFORNIA=CA,COLORADO=CO,CONNECTICUT=CT,DELAWARE=DE,"
    "FLORIDA=FL,GEORGIA=GA,HAWAII=HI,IDAHO=ID,ILLINOIS=IL,INDIANA=IN,IOWA=IA,KANSAS=KS,KENTUCKY=KY,"
    "LOUISIANA=LA,MAINE=ME,MARYLAND=MD,MASSACHUSETTS=MA,MICHIGAN=MI,MINNESOTA=MN,MISSISSIPPI=MS,MISSOURI=MO,"
    "MONTANA=MT,NEBRASKA=NE,NEVADA=NV,NEW HAMPSHIRE=NH,NEW JERSEY=NJ,NEW MEXICO=NM,NEW YORK=NY,"
    "NORTH CAROLINA=NC,NORTH DAKOTA=ND,OHIO=OH,OKLAHOMA=OK,OREGON=OR,PENNSYLVANIA=PA,RHODE ISLAND=RI,"
    "SOUTH CAROLINA=SC,SOUTH DAKOTA=SD,TENNESSEE=TN,TEXAS=TX,UTAH=UT,VERMONT=VT,VIRGINIA=VA,WASHINGTON=WA,"
    "WEST VIRGINIA=WV,WISCONSIN=WI,WYOMING=WY,DISTRICT OF COLUMBIA=DC,PUERTO RICO=PR,GUAM=GU,"
    "VIRGIN ISLANDS=VI,AMERICAN SAMOA=AS,NORTHERN MARIANA ISLANDS=MP,ARMED FORCES AMERICAS=AA,"
    "ARMED FORCES EUROPE=AE,ARMED FORCES PACIFIC=AP"
)
STATES = dict(pair.split("=") for pair in _STATE_TABLE.split(","))
STATE_CODES = frozenset(STATES.values())
# USPS Publication 28 abbreviations for the words customers most often spell out.
ABBREV = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "DRIVE": "DR", "ROAD": "RD", "LANE": "LN",
    "BOULEVARD": "BLVD", "COURT": "CT", "PLACE": "PL", "PARKWAY": "PKWY", "TERRACE": "TER", "CIRCLE": "CIR",
    "HIGHWAY": "HWY", "SQUARE": "SQ", "TRAIL": "TRL", "PLAZA": "PLZ", "EXPRESSWAY": "EXPY", "FREEWAY": "FWY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
    "SOUTHEAST": "SE", "SOUTHWEST": "SW", "APARTMENT": "APT", "SUITE": "STE", "FLOOR": "FL", "FLR": "FL",
    "ROOM": "RM", "BUILDING": "BLDG", "TRAILER": "TRLR", "UNIT": "UNIT", "SAINT": "ST", "FORT": "FT",
    "MOUNT": "MT",
}
STREET_LABELS = ("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix", "StreetNamePreModifier",
                 "StreetNamePreDirectional", "StreetNamePreType", "StreetName", "StreetNamePostType",
                 "StreetNamePostDirectional", "StreetNamePostModifier")

# Independent of the tagger, from USPS Pub 28: box words and an id (a number, or one letter: PO Box X).
_PO = r"p\s*\.?\s*o\s*\.?"
_BOX_ID = r"[\s.#:-]*(?:[nsew][a-z]*\s*#?\s*|[a-z]{1,3}\s+)?\d|\s+[a-z]\b"  # 63, # 63, West # 4, CS 198, X
_BOX_RULE = re.compile(
    rf"\b(?:{_PO}\s*b(?:o?x)?|post\s+office(?:\s+box)?|lock\s*box|lbx?|(?:{_PO}\s*)?drawer|caller|box)"
    rf"\b(?:{_BOX_ID})"
    r"|\b(?:rr|rural\s+route|route|rt|hc|star\s+route)\s*#?\s*\d+\s+box\b",  # rural route box
    re.IGNORECASE)
# Pub 28 secondary unit designators; the id must hold a digit or be one letter ('Ste. Marie' is a city).
_UNIT_WORDS = (r"apt|apartment|suite|su[^\s\w]?te|ste|unit|fl|flr|floor|rm|room|trlr|trailer|lvl|level|ph"
               r"|penthouse|bsmt|basement|lot|spc|space|slip|pier|hngr|hangar|lbby|lobby|office|ofc")
_UNIT_ID = r"(?!\d{5}(?:-?\d{4})?\b)(?:[a-z]?-?\d[\w-]*|[a-z]\b)"  # never a ZIP (FL 33716)
_UNIT_RULE = re.compile(
    rf"\b(?:{_UNIT_WORDS})\.?,?\s*#?\s*{_UNIT_ID}"  # Apt 4B, Suite #300, Unit508
    r"|\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|lower|upper|ground|top|\d+)\s+"
    r"(?:fl|flr|floor|level)\b"  # 2nd Floor, Lower level
    r"|\b(?:lowr|uppr|frnt|rear|side|front|lower|upper|mezzanine)\s*$"
    r"|,\s*\d{1,5}[a-z]?\s*,",  # a bare number between street and city: 'Wacker Dr., 1600, Chicago'
    re.IGNORECASE)
# '# 430', 'No. 12' and a trailing '12C' are units unless a box, road, account... number precedes them.
_NUMBERED = re.compile(rf"(\S+)?\s*(?:#|\bno\b\.?)\s*{_UNIT_ID}"
                       r"|(\S+)\s+\d{1,5}-?(?!st\b|nd\b|rd\b|th\b)[a-mo-rtuvx-z]\s*(?:,|$)", re.IGNORECASE)
_NOT_UNIT_BEFORE = re.compile(r"^(?:box|bx|lbx?|lockbox|drawer|rr|route|rte|rt|hcr|hwy|highway|dept|department"
                              r"|customer|acct|account|substation|attn|order|ref|co|county)[.:,]?$",
                              re.IGNORECASE)
_FOREIGN_POSTCODE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[A-Z]\s?\d[A-Z]\d\b"  # Canada
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b",  # United Kingdom
    re.IGNORECASE)
_FOREIGN_COUNTRIES = ("CANADA", "MEXICO", "UNITED KINGDOM", "UK", "ENGLAND", "SCOTLAND", "IRELAND",
                      "GERMANY", "FRANCE", "SPAIN", "ITALY", "NETHERLANDS", "AUSTRALIA", "NEW ZEALAND",
                      "JAPAN", "CHINA", "INDIA", "BRAZIL")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w#/&' -]", " ", text)).strip().upper()


def _abbrev(text: str) -> str:
    return " ".join(ABBREV.get(word, word) for word in _words(text).split())


def tagger_labels(text: str) -> list[str]:
    """Token labels from the usaddress CRF; never raises on repeated labels (unlike usaddress.tag)."""
    return [label for _, label in usaddress.parse(text)]


def tagger_po_box(labels: Iterable[str]) -> bool:
    return any(label.startswith("USPSBox") for label in labels)


def tagger_unit(labels: Iterable[str]) -> bool:
    return any(label.startswith("Occupancy") for label in labels)


def rule_po_box(text: str) -> bool:
    return _BOX_RULE.search(text) is not None


def rule_unit(text: str) -> bool:
    if _UNIT_RULE.search(text):
        return True
    return any(m.start() > 0 and not _NOT_UNIT_BEFORE.match(m.group(1) or m.group(2) or "")
               for m in _NUMBERED.finditer(text))


def detect_po_box(text: str, labels: Sequence[str] | None = None) -> bool:
    labels = tagger_labels(text) if labels is None else labels
    return tagger_po_box(labels) or rule_po_box(text)


def detect_unit(text: str, labels: Sequence[str] | None = None) -> bool:
    labels = tagger_labels(text) if labels is None else labels
    return tagger_unit(labels) or rule_unit(text)


def _issue(code: IssueCode, message: str, severity: Severity = "error") -> AddressIssue:
    return AddressIssue(code=code, severity=severity, message=message)


def _result(issues: list[AddressIssue], normalized: Address | None, *, validated: bool = True,
            po_box: bool = False, delivers: bool | None = None, has_unit: bool = False) -> AddressValidation:
    errors = [issue for issue in issues if issue.severity == "error"]
    return AddressValidation(
        valid=validated and not errors, validated=validated, normalized=normalized, issues=issues,
        po_box=po_box, carrier_delivers_po_box=delivers, has_unit=has_unit,
        missing_unit=any(issue.code is IssueCode.missing_unit for issue in issues),
        reason=errors[0].message if errors else None)


def _not_checked(issue: AddressIssue) -> AddressValidation:
    return _result([issue], None, validated=False)


def state_code(state: str) -> str | None:
    word = _words(state)
    return word if word in STATE_CODES else STATES.get(word)


@lru_cache(maxsize=4096)
def _zip_rows(zip5: str) -> tuple[dict, ...]:
    """zipcodes scans its whole table per lookup (about 2 ms); a ZIP's rows never change in a process."""
    return tuple(zipcodes.matching(zip5))


def load_zip_table() -> None:
    """The zipcodes package reads its whole table on its first lookup (about 1.3 s of CPU), then answers in
    about 2 ms; a long-lived process calls this at start so no case waits for the load."""
    _zip_rows("10001")


def _zip_issues(city: str, state: str, zip_code: str) -> list[AddressIssue]:
    match = _ZIP.match(zip_code.strip())
    if not match:
        return [_issue(IssueCode.zip_unknown, f"ZIP code {zip_code!r} is not a 5-digit US ZIP code")]
    rows = _zip_rows(match.group(1))
    known = [row for row in rows if row["active"]]
    if not known:
        why = "has been retired by USPS" if rows else "does not exist in the USPS ZIP table"
        return [_issue(IssueCode.zip_unknown, f"ZIP code {match.group(1)} {why}")]
    row = known[0]
    code = state_code(state)
    if code != row["state"]:
        return [_issue(IssueCode.zip_state_mismatch,
                       f"ZIP code {row['zip_code']} is in {row['state']} ({row['city']}), not {state}")]
    return _city_issues(city, row)


def _city_issues(city: str, row: dict) -> list[AddressIssue]:
    given = _abbrev(city)
    accepted = {_abbrev(name) for name in [row["city"], *row["acceptable_cities"]]}
    if given in accepted:
        return []
    unaccepted = {_abbrev(name) for name in row["unacceptable_cities"]}
    why = "a name USPS does not accept for" if given in unaccepted else "not a city served by"
    return [_issue(IssueCode.city_mismatch,
                   f"{city!r} is {why} ZIP {row['zip_code']}; USPS uses {row['city'].upper()}", "warning")]


def _tag(text: str) -> tuple[dict[str, str], str] | AddressIssue:
    try:
        return usaddress.tag(text)
    except usaddress.RepeatedLabelError as exc:
        return _issue(IssueCode.unparseable,
                      f"cannot read {text!r} as one address: it has two {_repeated(exc.parsed_string)} parts")


def _repeated(parsed: list[tuple[str, str]]) -> str:
    runs = [label for i, (_, label) in enumerate(parsed) if i == 0 or parsed[i - 1][1] != label]
    return next((label for label in runs if runs.count(label) > 1), "overlapping")


def _street_line(parts: dict[str, str]) -> str | None:
    if "USPSBoxID" in parts:
        box = "PO BOX" if "USPSBoxGroupType" not in parts else _words(parts["USPSBoxGroupType"]) + " BOX"
        group = f"{_words(parts['USPSBoxGroupID'])} " if "USPSBoxGroupID" in parts else ""
        return f"{group}{box} {_words(parts['USPSBoxID']).lstrip('# ')}".strip()
    if "AddressNumber" not in parts or "StreetName" not in parts:
        return None
    return " ".join(_abbrev(parts[label]) for label in STREET_LABELS if label in parts)


def _unit_line(parts: dict[str, str], line2: str | None) -> str | None:
    kind, ident = parts.get("OccupancyType"), parts.get("OccupancyIdentifier")
    if kind or ident:
        ident = _words(ident or "").lstrip("# ").strip()
        return f"{_abbrev(kind) if kind else '#'} {ident}".strip()
    return _words(line2) if line2 and line2.strip() else None


def street_key(address: Address) -> str:
    """Number + street in USPS form and the state: two spellings of one building compare equal."""
    parsed = _tag(address.line1)
    street = _street_line(parsed[0]) if isinstance(parsed, tuple) else None
    return f"{street or _abbrev(address.line1)}|{state_code(address.state) or _words(address.state)}"


def unit_of(address: Address) -> str | None:
    parsed = _tag(address.line1)
    parts = parsed[0] if isinstance(parsed, tuple) else {}
    return _unit_line(parts, address.line2)


def _missing_unit(address: Address, history: Sequence[Address]) -> AddressIssue | None:
    key = street_key(address)
    units = sorted({unit for old in history if street_key(old) == key and (unit := unit_of(old))})
    if not units:
        return None
    street = key.split("|")[0]
    if len(units) == 1:
        message = f"no unit given, but the customer's earlier address at {street} had {units[0]}"
    else:
        message = f"no unit given, and {street} has several units in the customer's history: {', '.join(units)}"
    return _issue(IssueCode.missing_unit, message)


def _po_box_issue(carrier: str | None) -> tuple[AddressIssue, bool | None]:
    delivers = CARRIER_DELIVERS_PO_BOX.get(carrier.strip().lower()) if carrier else None
    if delivers is True:
        return _issue(IssueCode.po_box, f"PO box; {carrier} delivers to PO boxes", "warning"), True
    if delivers is False:
        return _issue(IssueCode.po_box, f"PO box; {carrier} does not deliver to PO boxes (ship USPS)"), False
    named = f"carrier {carrier!r} unknown" if carrier else "no carrier chosen yet"
    return _issue(IssueCode.po_box, f"PO box; {named}: only USPS is sure to deliver", "warning"), None


def validate_address(address: Address, history: Sequence[Address] = (),
                     carrier: str | None = None) -> AddressValidation:
    """Check one structured address against US postal data and the customer's history of addresses."""
    country = _words(address.country or "US")
    if country not in US_COUNTRIES:
        return _not_checked(_issue(IssueCode.non_us, f"country {address.country!r} is outside the US: "
                                                     "only US addresses are validated"))
    text = ", ".join(part for part in (address.line1, address.line2) if part and part.strip())
    parsed = _tag(text) if text else _issue(IssueCode.unparseable, "the street line is empty")
    if isinstance(parsed, AddressIssue):
        return _not_checked(parsed)
    parts, _ = parsed
    street = _street_line(parts)
    if street is None:
        return _not_checked(_issue(IssueCode.unparseable,
                                   f"{text!r} has no street number and street, nor a PO box"))
    labels = tagger_labels(text)
    unit = _unit_line(parts, address.line2)
    zip_match = _ZIP.match(address.zip.strip())
    normalized = Address(line1=street, line2=unit, city=_words(address.city),
                         state=state_code(address.state) or _words(address.state), country="US",
                         zip="-".join(g for g in zip_match.groups() if g) if zip_match else address.zip.strip())
    issues = _zip_issues(address.city, address.state, address.zip)
    po_box, delivers = detect_po_box(text, labels), None
    has_unit = unit is not None or detect_unit(text, labels)
    if po_box:
        box_issue, delivers = _po_box_issue(carrier)
        issues.append(box_issue)
    elif not has_unit and (gap := _missing_unit(address, history)):
        issues.append(gap)
    return _result(issues, normalized, po_box=po_box, delivers=delivers, has_unit=has_unit)


_SPAN_END = re.compile(r"\b[A-Za-z]{2}\.?,?\s+\d{5}(?:-\d{4})?\b")
_SPAN_START = re.compile(r"(?<![\w#-])(?:\d+[A-Za-z]?\s+[A-Za-z0-9]|p\.?\s*o\.?\s*box\b)", re.IGNORECASE)


def address_span(text: str) -> str:
    """The address inside a sentence ('please ship it to 12 Oak Ave, Boston, MA 02115 instead'): the
    earliest start, before the last 'state ZIP', that the tagger reads as a street number or a box."""
    ends = list(_SPAN_END.finditer(text))
    if not ends:
        return text.strip()
    end = ends[-1].end()
    for start in _SPAN_START.finditer(text, 0, end):
        span = text[start.start():end]
        labels = tagger_labels(span)
        if labels and labels[0] in ("AddressNumber", "USPSBoxType") and not isinstance(_tag(span), AddressIssue):
            return span.strip()
    return text.strip()


def _foreign(text: str, parts: dict[str, str]) -> str | None:
    country = _words(parts.get("CountryName", ""))
    if country and country not in US_COUNTRIES:
        return country
    tail = _words(text.rsplit(",", 1)[-1])
    named = next((c for c in _FOREIGN_COUNTRIES if tail == c or tail.endswith(f" {c}")), None)
    if named:
        return named
    if not _SPAN_END.search(text) and (code := _FOREIGN_POSTCODE.search(text)):
        return f"postal code {code.group(0).upper()}"
    return None


def validate_address_text(text: str, history: Sequence[Address] = (),
                          carrier: str | None = None) -> AddressValidation:
    """Validate an address as a customer types it on one line, possibly inside a sentence."""
    span = address_span(text or "")
    if not span:
        return _not_checked(_issue(IssueCode.unparseable, "no address given"))
    parsed = _tag(span)
    parts = parsed[0] if isinstance(parsed, tuple) else {}
    foreign = _foreign(span, parts)
    if foreign:
        return _not_checked(_issue(IssueCode.non_us, f"{span!r} is outside the US ({foreign}): "
                                                     "only US addresses are validated"))
    if isinstance(parsed, AddressIssue):
        return _not_checked(parsed)
    street = _street_line(parts)
    missing = [name for name, present in (("street and number or PO box", street), ("city", "PlaceName" in parts),
                                          ("state", "StateName" in parts), ("ZIP code", "ZipCode" in parts))
               if not present]
    if street is None or missing:
        return _not_checked(_issue(IssueCode.unparseable, f"{span!r} lacks: {', '.join(missing)}"))
    address = Address(line1=street, line2=_unit_line(parts, None), city=parts["PlaceName"],
                      state=parts["StateName"], zip=parts["ZipCode"])
    return validate_address(address, history, carrier)
