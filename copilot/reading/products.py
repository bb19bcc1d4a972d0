"""Product names in free text: singular words, joined pairs ("book shelf" = "Bookshelf"), head nouns."""

from __future__ import annotations

import re

# Head nouns too generic to name a product on their own ("set" in "set it up", "kit").
_GENERIC_HEADS = {"set", "kit", "pack", "item", "thing", "one", "order"}


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz" or word.endswith(("ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [singular(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _keys(tokens: list[str]) -> set[str]:
    """Tokens plus joined pairs and triples, so "book shelf" meets "Bookshelf" and "t-shirt" meets "tshirt"."""
    keys = set(tokens)
    for n in (2, 3):
        keys |= {"".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}
    return keys


def keys_of(text: str) -> set[str]:
    """What product_named looks for in a text."""
    return _keys(words(text))


def product_named(name: str, keys: set[str]) -> bool:
    """The text names this product: its full name, or its head noun ("lamp" for "Desk Lamp")."""
    tokens = words(name)
    if not tokens:
        return False
    head = tokens[-1]
    return "".join(tokens) in keys or (len(head) >= 3 and head not in _GENERIC_HEADS and head in keys)


# What customers call the catalog's products, in English and the five other languages the desk reads (folded,
# singular). Each maps to the words of the catalog's own name, so "los auriculares" finds the earbuds.
_CALLED = {
    "bike": "bicycle", "bici": "bicycle", "bicicleta": "bicycle", "velo": "bicycle", "fahrrad": "bicycle",
    "bicicletta": "bicycle", "phone": "smartphone", "cellphone": "smartphone", "telefono": "smartphone",
    "telephone": "smartphone", "handy": "smartphone", "celular": "smartphone", "movil": "smartphone",
    "powerbank": "portable charger", "charger": "portable charger", "cargador": "portable charger",
    "earphone": "earbuds", "auricular": "earbuds headphones", "ecouteur": "earbuds headphones",
    "kopfhorer": "headphones earbuds", "fone": "headphones earbuds", "auricolare": "earbuds headphones",
    "cuffie": "headphones", "casque": "headphones helmet", "casco": "helmet", "capacete": "helmet",
    "helm": "helmet", "fahrradhelm": "cycling helmet", "trainer": "sneakers running shoes",
    "zapatilla": "sneakers running shoes", "tenis": "sneakers running shoes", "basket": "sneakers",
    "turnschuh": "sneakers", "scarpa": "shoes sneakers", "bota": "hiking boots", "botte": "hiking boots",
    "stiefel": "hiking boots", "wanderschuh": "hiking boots", "scarpone": "hiking boots",
    "mochila": "backpack", "sac": "backpack", "rucksack": "backpack", "zaino": "backpack",
    "cafetera": "coffee maker espresso machine", "cafetiere": "coffee maker", "kaffeemaschine": "coffee maker",
    "cafeteira": "coffee maker", "caffettiera": "coffee maker", "expresso": "espresso machine",
    "espresso": "espresso machine", "botella": "water bottle", "bouteille": "water bottle", "gourde": "water bottle",
    "flasche": "water bottle", "trinkflasche": "water bottle", "garrafa": "water bottle", "borraccia": "water bottle",
    "lampara": "desk lamp", "lampe": "desk lamp", "luminaria": "desk lamp", "lampada": "desk lamp",
    "cuaderno": "notebook", "cahier": "notebook", "notizbuch": "notebook", "caderno": "notebook", "quaderno": "notebook",
    "gafas": "sunglasses", "lunette": "sunglasses", "sonnenbrille": "sunglasses", "oculos": "sunglasses",
    "occhiali": "sunglasses", "reloj": "wristwatch smart watch wall clock", "montre": "wristwatch smart watch",
    "uhr": "wristwatch smart watch wall clock", "armbanduhr": "wristwatch", "relogio": "wristwatch smart watch",
    "orologio": "wristwatch smart watch wall clock", "smartwatch": "smart watch", "watch": "wristwatch smart watch",
    "clock": "wall clock", "horloge": "wall clock", "wanduhr": "wall clock", "cepillo": "electric toothbrush",
    "brosse": "electric toothbrush", "zahnburste": "electric toothbrush", "escova": "electric toothbrush",
    "spazzolino": "electric toothbrush", "toothbrush": "electric toothbrush", "esterilla": "yoga mat",
    "tapis": "yoga mat", "yogamatte": "yoga mat", "tapete": "yoga mat", "tappetino": "yoga mat",
    "altavoz": "bluetooth speaker", "enceinte": "bluetooth speaker", "lautsprecher": "bluetooth speaker",
    "caixa": "bluetooth speaker", "altoparlante": "bluetooth speaker", "cassa": "bluetooth speaker",
    "raton": "gaming mouse", "souris": "gaming mouse", "maus": "gaming mouse", "mouse": "gaming mouse",
    "camara": "digital camera action camera", "camera": "digital camera action camera", "kamera": "digital camera action camera",
    "fotocamera": "digital camera", "manguera": "garden hose", "tuyau": "garden hose", "gartenschlauch": "garden hose",
    "mangueira": "garden hose", "tubo": "garden hose", "tableta": "tablet", "tablette": "tablet", "ereader": "e-reader",
    "kindle": "e-reader", "lector": "e-reader", "leitor": "e-reader", "lettore": "e-reader", "liseuse": "e-reader", "hervidor": "electric kettle tea kettle", "tetera": "tea kettle electric kettle",
    "bouilloire": "electric kettle tea kettle", "wasserkocher": "electric kettle", "chaleira": "electric kettle tea kettle",
    "bollitore": "electric kettle tea kettle", "teclado": "mechanical keyboard", "clavier": "mechanical keyboard",
    "tastatur": "mechanical keyboard", "tastiera": "mechanical keyboard", "keyboard": "mechanical keyboard",
    "termostato": "smart thermostat", "thermostat": "smart thermostat", "chaqueta": "fleece jacket",
    "veste": "fleece jacket", "jacke": "fleece jacket", "jaqueta": "fleece jacket", "giacca": "fleece jacket",
    "jacket": "fleece jacket", "fleece": "fleece jacket", "mancuerna": "dumbbell set", "haltere": "dumbbell set",
    "hantel": "dumbbell set", "manubri": "dumbbell set", "dumbbell": "dumbbell set", "cama": "pet bed",
    "panier": "pet bed", "hundebett": "pet bed", "cuccia": "pet bed", "bombilla": "led light bulb",
    "ampoule": "led light bulb", "gluhbirne": "led light bulb", "lampadina": "led light bulb", "lampada led": "led light bulb",
    "bulb": "led light bulb", "estanteria": "bookshelf", "etagere": "bookshelf", "bucherregal": "bookshelf",
    "estante": "bookshelf", "libreria": "bookshelf", "shelf": "bookshelf", "silla": "office chair",
    "chaise": "office chair", "stuhl": "office chair", "cadeira": "office chair", "sedia": "office chair",
    "chair": "office chair", "maleta": "luggage set", "valise": "luggage set", "koffer": "luggage set",
    "mala": "luggage set", "valigia": "luggage set", "suitcase": "luggage set", "luggage": "luggage set",
    "sombrilla": "patio umbrella", "parasol": "patio umbrella", "sonnenschirm": "patio umbrella",
    "guarda": "patio umbrella", "ombrellone": "patio umbrella", "umbrella": "patio umbrella",
    "purificador": "air purifier", "purificateur": "air purifier", "luftreiniger": "air purifier",
    "purificatore": "air purifier", "purifier": "air purifier", "maquillaje": "makeup kit",
    "maquillage": "makeup kit", "schminke": "makeup kit", "maquiagem": "makeup kit", "trucco": "makeup kit",
    "monopatin": "skateboard", "patineta": "skateboard", "rompecabezas": "jigsaw puzzle", "puzzle": "jigsaw puzzle",
    "quebra": "jigsaw puzzle", "parrilla": "grill", "barbacoa": "grill", "barbecue": "grill", "churrasqueira": "grill",
    "griglia": "grill", "aspiradora": "vacuum cleaner", "aspirateur": "vacuum cleaner", "staubsauger": "vacuum cleaner",
    "aspirador": "vacuum cleaner", "aspirapolvere": "vacuum cleaner", "vacuum": "vacuum cleaner", "perfume": "perfume",
    "parfum": "perfume", "profumo": "perfume", "camiseta": "t-shirt", "tshirt": "t-shirt", "shirt": "t-shirt",
    "tee": "t-shirt", "portatil": "laptop", "ordinateur": "laptop", "notebook": "notebook laptop",
    "portatile": "laptop", "computer": "laptop", "zapato": "running shoes sneakers", "chaussure": "running shoes sneakers",
    "laufschuh": "running shoes", "sapato": "running shoes sneakers", "shoe": "running shoes sneakers",
    "kettle": "electric kettle tea kettle", "speaker": "bluetooth speaker", "headphone": "headphones",
    "earbud": "wireless earbuds", "grillo": "grill", "bookcase": "bookshelf",
}


def _compound(word: str) -> str:
    """A compound ("kofferset", "fahrradhelm") read by the customer's word it starts or ends with."""
    for key, name in _CALLED.items():
        if len(key) >= 5 and (word.startswith(key) or word.endswith(key)):
            return name
    return ""


# Head nouns of the catalog's own product names.
CATALOG_HEADS = ("t-shirt", "laptop", "shoe", "smartphone", "backpack", "maker", "bottle", "lamp", "notebook",
                 "sunglasses", "wristwatch", "toothbrush", "mat", "speaker", "mouse", "camera", "hose", "boot",
                 "tablet", "e-reader", "charger", "kettle", "keyboard", "earbud", "thermostat", "jacket", "clock",
                 "dumbbell", "bed", "machine", "helmet", "bulb", "bookshelf", "bicycle", "sneaker", "chair", "watch",
                 "luggage", "umbrella", "purifier", "kit", "skateboard", "puzzle", "grill", "headphone", "vacuum",
                 "perfume")


def called(text: str) -> str:
    """The text plus the catalog words for every product it names in its own words."""
    extra = [_CALLED[w] if w in _CALLED else _compound(w) for w in words(text)
             if w in _CALLED or len(w) >= 8 and _compound(w)]
    return f"{text} {' '.join(extra)}" if extra else text
