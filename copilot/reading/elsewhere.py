"""What a text is about when it is about something other than an order: banking, travel, a car, food, work,
an assistant's chores, small talk. A positive finding, used only for text that names nothing of the desk's world
(no order word, no product of the catalog, no order number): "what is my checking balance" is banking, while
"my card was declined on my order" stays the desk's.

Folded English text (lower case, no accents). Patterns are topic words, not phrasings of any one sentence.
"""

from __future__ import annotations

import re

_TOPICS: dict[str, str] = {
    "banking": r"\bspen[dt]\b|spending limit|limit on my|replacement card|minimum|medical payments?|recently charged|latest transaction|purchases using|how much (?:do )?i (?:make|earn)|\bmy pay\b|\bearn\b|\bchecks\b|fraudulent|(?:lost|misplaced|stolen) my|reported (?:as )?(?:stolen|lost)|report(?:ing)? (?:a |my )?(?:\w+ )?(?:card|stolen)|replace (?:a |my )?(?:credit |debit )?card|\bloans?\b|money go|expenditures|dollars|rupees|accounts?\b|fees for using|charged extra|use my card in|bank(?:ing)?|checking(?: account)?|savings(?: account)?|routing number|direct deposit|credit score|"
               r"credit limit|interest rate|\bapr\b|overdraft|401k|\bira\b|\bpin\b(?: number)?|wire transfer|"
               r"transfer(?:red)? (?:\$?\d|money|funds|from)|checkbooks?|checks mailed|rewards?(?: points| balance)?|"
               r"card points|cash back|minimum (?:payment|i owe|amount)|least amount i (?:need|can) (?:to )?pay|"
               r"account (?:is )?(?:blocked|frozen|locked|on hold)|hold on my|block my|freeze my|"
               r"(?:lost|stolen|misplaced|can'?t (?:seem to )?find) (?:my )?(?:\w+ )?card|card (?:split|snapped|broke|"
               r"melted|burn(?:ed|t)|is damaged)|burned (?:debit|credit) card|new (?:credit |debit )?card|card (?:application|app)|"
               r"application for (?:a |my )?(?:\w+ )?card|expire|expiration|international (?:transaction )?fees?|"
               r"transaction fees?|exchange rate|recent transactions|transactions|spen[dt] (?:at|on|lately)|"
               r"fraud(?:ulent)? (?:on|charge on) my account|charge on my account|my (?:\w+ )?account balance|balance (?:of|on|in|at)|"
               r"(?:water|electric(?:ity)?|gas|phone|cable|internet|utility|power) bill|pay (?:my|the) bill|"
               r"bills?\b.{0,20}\bdue|when is my \w+(?: \w+)? due|\bbill\b|taxes|tax return|credit report",
    "work": r"vacation|free day|day off|days? i have off|\bpto\b|vacation (?:days?|request|schedule|time)|days off|paycheck|payday|get paid|salary|\bincome\b|"
            r"\bw-?2\b|health benefits|benefits|insurance|meeting|my boss|my manager|job portal",
    "travel": r"flights?|\bfly\b|flying|airport|airlines?|boarding pass|carry[- ]?ons?|lost luggage|luggage (?:from|on) "
              r"(?:my |the )?flight|baggage|hotel|lodging|motel|a room in|reservations?|reserve (?:a|my|dad'?s|the) "
              r"(?:table|room|car|seat)|\buber\b|\blyft\b|\btaxi\b|rent(?:al)? (?:a |the )?(?:\w+ )?(?:car|vehicle|van|"
              r"convertible)|car rental|trip to|travel(?:l?ing)?\b|passport|\bvisa to\b|international visa|vaccin\w*|"
              r"\bshots\b|plug type|socket|converter|time ?zone|tourist|sight ?seeing|site seeing|going to be in|"
              r"\bpesos\b|\beuros?\b|\byen\b",
    "car": r"\bmy car\b|\bcar'?s\b|\bthis car\b|oil change|change (?:my |the |a car'?s |car )?oil|\boil\b|tires?|tyres?|"
           r"gas tank|gasoline|(?:type|kind) of gas|\bmpg\b|miles per gallon|fuel|mileage|car battery|jump ?start|"
           r"check engine|maintenance|wipers",
    "food": r"good reviews|how busy|wait if i want to eat|substitute \w+ for|donuts?|well reviewed|reviews? (?:at|for)|get seated|of a wait|wait (?:be|will be) at|recipes?|\bcook(?:ing|ed)?\b|calories|nutrition\w*|ingredients?|\bbak(?:e|ing)\b|\broast\b|\bmeal\b|"
            r"dinner|lunch|breakfast|restaurants?|eat (?:out|tonight)|\bfood\b|fridge|go bad|casserole|smoothie|"
            r"pizza|chicken|turkey|\bsugar\b|\bsalt\b|milk|eggs|jello",
    "assistant": r"percent of|\d+ ?[-+*/x] ?\d+|\bweeks are in|\bmonths\b|how long.{0,20}\bget to\b|\bget to the\b|\bby (?:bus|train|car)\b|on foot|lights|\btv\b|doors? (?:are |is )?locked|current time|\btime (?:is it|in)\b|date it is|what day (?:today|is it)|tomorrow'?s date|coordinates|\bgps\b|where (?:exactly )?am i|current location|\d+ ?% off|add \d+ and \d+|\d+ (?:feet|foot|inches|miles|kilometers|km|pounds|lbs|degrees|ounces|cups|grams)\b|how long (?:will it take|does it take|'s it take|will it be) to (?:drive|walk|get)|close to home|nearby|redial|\bdial\b|text message|send \w+ a text|share my|know (?:where|were) i am|oven|garage door|coin|how much gas|amount of gas|\btimer\b|\balarm\b|wake me|remind(?:er)?s?\b|calendar|appointment|to ?-?do(?: list)?|task list|"
                 r"shopping list|playlist|\bsongs?\b|music|next track|\btext (?:\w+ )?(?:and|that|saying)|send a text|"
                 r"phone call|\bcall (?:\w+ )?(?:pizza|mom|dad|my (?:mother|father|wife|husband))|my location|"
                 r"where i am|directions|closest|nearest|traffic|distance|how long (?:to|will it take to) get to|"
                 r"weather|forecast|temperature|\brain\b|\bsnow\b|what time is it|today'?s date|what (?:day|date) is|"
                 r"holiday|calculat\w*|\d+ (?:x|times|plus|minus|divided by) \d+|factorial|square root|"
                 r"how many \w+ (?:are )?in (?:a|an|one)\b|convert|\bspell(?:ing)?\b|definition|meaning of|"
                 r"what does \w+ mean|\bmean\b|translat\w*|how (?:do you|to|would i|do i) say|in (?:spanish|french|"
                 r"italian|german|chinese|japanese|russian)|smart home|furnace|\bac\b|whisper|volume|accent|"
                 r"language setting|speak(?:ing)? (?:slower|faster|slowly)|talking too fast|slow (?:down|it down)|"
                 r"\brepeat\b|settings|factory|\bsync\b|link (?:up )?(?:to|with) my phone|connect (?:to|with) my phone|"
                 r"flip a coin|roll (?:a |the )?(?:d\d+|dice|die|\d+)|random number",
    "small_talk": r"hobbies|real or artificial|real person|someone real|talking to (?:a )?(?:real|person|human|bot|machine)|great conversation|nice to (?:speak|talk|chat)|say it again|another time|you called|name do you prefer|(?:owns|wrote) your code|brought you up|boss of you|serve me|who (?:\w+ )?(?:made|built|created|formed|constructed|designed|fabricated|coded|programmed) you|your design|(?:coded|programmed|built|made) you|when were you (?:created|made|born)|old are you|are you (?:okay|ok|doing|alright)|got to talk|talk to you|what (?:do|can) you do|questions (?:can )?you (?:can )?answer|subject areas|are you my|working for me|\bai'?s?\b|pets you|\bfact\b|trivia|\bvoice\b|one more time|repeated|preferred language|language (?:set|to)|speak (?:to me )?(?:in|faster|slower)|your name|call you|rename (?:you|yourself|\w+ to)|your (?:hobb(?:y|ies)|pets?|boss|birthday|favou?rite|"
                  r"employer|employeer)|do you (?:own|have) (?:any )?pets|who (?:made|built|created|formed|constructed|"
                  r"designed) you|are you (?:a |an )?(?:bot|robot|real person|human|ai|machine)|where are you from|"
                  r"how old are you|what year were you born|place of origin|country of origin|jokes?|one liners|"
                  r"fun fact|interesting facts?|meaning of life|what can (?:i ask you|you (?:help|do))|"
                  r"things (?:can )?you (?:can )?help|what (?:name )?do you (?:use|call)|refer to me|address(?:ing)? me|"
                  r"spare time|into\?|\bgoodbye\b|\bbye\b|good (?:night|morning|evening)|how(?:'s| is) (?:everything|it going)|"
                  r"how are (?:you|things)|thank(?:s| you)|appreciate",
}
_FOLLOW_UP = re.compile(r"\b(?:emailed|e-mailed|wrote|written|messaged|contacted|follow(?:ing)?[- ]up|no (?:answer|reply|"
                        r"response)|heard back|last (?:email|message|week)|again)\b")
_COMPILED = {topic: re.compile(pattern) for topic, pattern in _TOPICS.items()}


def elsewhere(folded: str) -> tuple[str, re.Match[str]] | None:
    """The topic the text is about (and where it says so), if it is one of the places an order desk is not."""
    if _FOLLOW_UP.search(folded):
        return None  # a customer chasing an earlier message is waiting on the desk, whatever else they say
    found = [(m.start(), topic, m) for topic, pattern in _COMPILED.items() if (m := pattern.search(folded))]
    if not found:
        return None
    _, topic, match = min(found, key=lambda f: f[0])
    return topic, match
