"""Per-language cue lexicons over folded text (lower case, no accents): what each intent, mood and
out-of-scope topic sounds like in English, Spanish, French, German, Portuguese and Italian.

Cues are phrases customers use, not keywords of our categories. Typos are handled before matching
(copilot/reading/typos.py corrects words to this vocabulary), so patterns list correct spellings only.
"""

from __future__ import annotations

import re
from functools import cache

from copilot.reading.model import Intent, Mood

I, M = Intent, Mood  # noqa: E741 - short names keep the tables readable



INTENTS: dict[str, dict[Intent, list[str]]] = {
    "en": {
        I.cancel: [r"\bcancel(?!l?ed\b)\w*", r"\bif i cancell?ed\b", r"\bcall (?:it|the order) off\b", r"\b(?:don'?t|do not|no longer) (?:want|need) (?:it|the order|this order|my order|them)\b",
                   r"\bstop (?:the|my) order\b", r"\bcancell?ation\b"],
        I.change_items: [r"\bremove\b", r"\btake off\b", r"\btake (?:the|my|both|those|these) [^.?!,]{0,40}?\boff\b", r"\b(?:need|want|would like|'d like|prefer)\b[^.?!]{0,12}\b(?:a |an |the )?size \w+", r"\btoo (?:small|big|large|tight|loose|short|long|narrow|wide)\b(?=[^?!]{0,80}\b(?:size|a \d+|an? (?:xs|s|m|l|xl|xxl|small|medium|large)\b|instead|one (?:size )?(?:up|down)|bigger|smaller))", r"\b(?:can|could|may) (?:i|we) (?:get|have)\b[^.?!]{0,40}\binstead\b", r"\btake\b[^.?!]{0,30}\boff (?:my|the|this|that|our) (?:\w+ )?order\b", r"\btake (?:it|them|one|that|this|the \w+(?: \w+)?) off\b", r"\b(?:by (?:accident|mistake)|was a mistake)\b",
                         r"\b(?:swap|switch|change|replace|trade|modify|upgrade)\b[^.?!]{0,60}\b(?:for|to|with|into|instead)\b(?!\s+(?:(?:my|the|a|an|our)\s+)?(?:new\s+)?(?:address|suite|apt|apartment|unit|street|avenue|ave|po box|order|\d+\s+\w+(?:\s+\w+)?\s+(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|lane|ln|way|ct|court|pl|place)\b))",
                         r"\b(?:change|swap|switch)\b[^.?!]{0,40}\b(?:size|colou?r|variant|model|version|item)s?\b",
                         r"\bremove\b[^.?!]{0,40}\bfrom (?:my |the |this )?order\b", r"\binstead of the\b",
                         r"\b(?:different|another|other) (?:size|colou?r|variant|model)\b",
                         r"\b(?:size|colou?r) (?:up|down)\b", r"\bin (?:a |an )?(?:size )?(?:small|medium|large|xl|xxl|xs)\b instead\b"],
        I.change_address: [r"\b(?:change|update|correct|fix|edit|amend)\b[^.?!]{0,40}(?<!email )(?<!e-mail )\baddress\b(?! on (?:my|the) account)", r"\baddress (?:change|update|correction)\b",
                           r"\baddress\b[^.?!]{0,30}\b(?:is wrong|was wrong|is incorrect|has changed|changed|typo|mistake)\b",
                           r"\bwrong (?:shipping |delivery )?address\b", r"\bnew address\b",
                           r"\b(?:ship|send|deliver|redirect|reroute)\w* (?:it |them |this |the order |my order |the package )?(?:to|at) (?:my |our |the )?(?:new|office|work|apartment|\d)",
                           r"\bi (?:have )?moved\b", r"\b(?:ship|send|deliver|redirect|reroute)\w*\b[^.?!]{0,40}\bto (?:my |our )?(?:new (?:place|address|home|apartment|house)|office|work)\b", r"\bmissing (?:the |my )?(?:apartment|apt|unit|suite)\b",
                           r"\b(?:change|update|correct|fix|add)\b[^.?!]{0,30}\b(?:to )?(?:suite|apt|apartment|unit)\b"],
        I.change_payment: [r"\b(?:switch|change|move|update|put)\b[^.?!]{0,30}\bpayment\b", r"\bcharge (?:the|my|this) (?:\w+ ){0,5}order\b[^.?!]{0,40}\b(?:to|on) (?:my|the)\b",
                           r"\b(?:change|switch|update|use)\b[^.?!]{0,40}\b(?:payment method|payment|card|paypal|gift card)\b[^.?!]{0,30}\b(?:instead|to|for)\b",
                           r"\bpay (?:with|by|using) (?:my |the )?(?:other|another|different|paypal|gift card|credit card|debit card|visa|mastercard|amex)\b[^.?!]{0,20}",
                           r"\bcharge (?:it to |my )(?:other|another|different|paypal|gift card)\b",
                           r"\b(?:different|another|other|new) (?:payment method|card)\b"],
        I.exchange: [r"(?<!in )\bexchang\w*(?! for (?:a )?(?:review|feature|post|shout))", r"\b(?:send|give) me (?:a |the )?(?:bigger|smaller|larger|different)\b"],
        I.return_refund: [r"\breturn(?!ed to sender| to sender| label)\b", r"\brefund\w*", r"\bmoney back\b", r"\bsend(?:ing)? (?:\w+ ){1,4}back\b", r"\bsend (?:it|them|this|these) back\b",
                          r"\breimburse\w*", r"\bcredit (?:it |me )?back\b",
                          r"\b(?:full |the |my )?amount back\b", r"\bmoney (?:isn'?t |is not |not |still not )?(?:back|returned)\b"],
        I.where_is_order: [r"\bwhere(?:'s|s| is| are| was| were)?\s+(?:my|the|our)\b(?!\s+(?:refund|money|credit|reimbursement))", r"\bwhen (?:can|should|do|will) i (?:expect|get|receive)\b",
                           r"\bstatus of (?:it|that|this)\b", r"\bhow soon\b", r"\bupdate (?:me )?on (?:my|the)\b",
                           r"\b(?:has|have|did|is|was)\b[^.?!]{0,12}\b(?:order|package|parcel|delivery|purchase)\b[^.?!]{0,25}\b(?:arrived|showed up|shown up|due|shipped|been delivered)\b",
                           r"\b(?:my|the|our) (?:\w+ ){0,2}(?:order|package|parcel|purchase)s? (?:has|have|was|were|is|are) (?:\w+ ){0,2}(?:shipped|arrived|delivered|dropped|coming|sent)\b",
                           r"\bstatus (?:of|on) (?:my|the|our) (?:\w+ ){0,3}(?:order|purchase|package|parcel|delivery|shipment)\b", r"\border status\b", r"\bgoing on with (?:my|the) order\b",
                           r"\b(?:find|locate|track|check on|update on|status (?:of|on)|location of)\b[^.?!]{0,25}\b(?:my|the|our) (?:\w+ ){0,2}(?:order|package|parcel|shipment|delivery)s?\b",
                           r"\b(?:has|have|did|was|is|were|will) (?:my|the|our) (?:\w+ ){0,2}(?:order|package|parcel|shipment|purchase|goods|stuff|item)s? (?:\w+ ){0,2}(?:ship|arriv|deliver|dropped|here|coming|come|been|get)\w*", r"\bwhere (?:my|the|our) \w+(?: \w+)? (?:is|are)\b", r"\bis it (?:actually|ever|really|even|still) (?:coming|going to)\b",
                           r"\bwhere(?:'s| is| are)\b[^.?!]{0,30}\b(?:order|package|parcel|stuff|item|delivery|shipment|it|boots|jacket)\b",
                           r"\b(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|never|still not|not yet|still hasn'?t)\b[^.?!]{0,15}\b(?:arrived?|received?|come|came|got(?:ten)? it|shipped|delivered|showed up|shown up)\b",
                           r"\btrack\w*\b", r"\bany (?:news|update)\b", r"\bon (?:its|it's|their) way\b", r"\border:? status\b|\bstatus (?:of )?my order\b",
                           r"\bwhen (?:will|does|is|do|can)\b[^.?!]{0,40}\b(?:arrive|ship|come|get here|be delivered|deliver|receive|get it)\w*",
                           r"\bstill waiting\b", r"\b(?:is|are) (?:late|delayed|overdue)\b", r"\bhas (?:it|my order) shipped\b",
                           r"\bstuck in transit\b", r"\bstill (?:not here|in transit|processing)\b",
                           # "has the smart watch shipped?": an item of the order asked after like the order itself
                           r"\b(?:has|have|did|is|are|was|were) (?:my|the|our) (?:\w+ ){1,3}(?:shipped|arrived|left|"
                           r"dispatched|sent out|been (?:shipped|sent|delivered|dispatched))\b"],
        I.damaged_missing_wrong: [r"\b(?:stopped|stops|won'?t|doesn'?t|does not|isn'?t|not) (?:work|working|turn(?:ing)? on|charg\w*|hold(?:ing)? a charge|power(?:ing)? on)\b",
                                  r"\b(?:tore|snapped|buzz\w*|hums|dies after|came with (?:only )?one)\b",
                                  r"\b(?:damaged|broken|broke|cracked|shattered|crushed|dented|defective|faulty|torn|ripped|stained|leak\w*|scratched)\b",
                                  r"\b(?:doesn'?t|does not|won'?t|will not|stopped) (?:work|turn on|charge|power)\w*",
                                  r"\bwrong (?:item|size|colou?r|product|model|one|thing)s?\b", r"\bnot what i ordered\b",
                                  r"\bmissing\b(?! (?:the |my )?(?:apartment|apt|unit|suite))", r"\b(?:came|arrived) (?:without|empty|open)\b",
                                  r"\bdead on arrival\b", r"\b(?:flicker\w*|wobbl\w*|rattl\w*|overheat\w*|malfunction\w*|glitch\w*|peeling|fell apart|falls apart|falling apart|came apart)\b", r"\bburning smell\b|\bsmells? (?:like )?(?:burning|smoke)\b", r"\bdead (?:line|pixels?|spot|zone)\b", r"\bdouble[- ]clicks?\b", r"\b(?:clicks|turns off|shuts off|shuts down|disconnects|restarts) (?:on its own|by itself|randomly)\b", r"\b(?:send|ship) me (?:a|another) (?:new|working|replacement) one\b", r"\binstead of (?:the|my) \w+ i ordered\b"],
        I.payment_problem: [r"\bdeclin\w*", r"\btwo (?:payments|charges)\b", r"\bcard\b[^.?!]{0,25}\b(?:not (?:get )?accepted|wasn'?t accepted|rejected|denied|refused|didn'?t work|did not work|not work\w*|didn'?t go through|did not go through)\b",
                            r"\b(?:wouldn'?t|won'?t|didn'?t|did not) (?:accept|take) my card\b", r"\b(?:issue|problem|wrong) with my (?:credit |debit )?card\b", r"\bcharged (?:me )?(?:twice|two times|double)\b", r"\bdouble[- ]charged\b",
                            r"\bduplicate charge\b", r"\bpayment (?:failed|didn'?t go through|did not go through|error|problem|issue)\b",
                            r"\bcard (?:was |got |keeps )?(?:rejected|refused|not accepted|not working)\b", r"\bovercharged\b",
                            r"\bcharged (?:me )?(?:the wrong|too much|more)\b",
                            r"\b(?:isn'?t|is not|wasn'?t|not|won'?t|didn'?t|did not) (?:going |go |get |gone )?through\b",
                            r"\b(?:couldn'?t|could not|can'?t|cannot|unable to) (?:complete (?:the |my )?)?(?:pay|payment|check ?out)\w*",
                            r"\btransaction (?:was )?(?:unsuccessful|failed|declined|not completed)\b",
                            r"\bupdate (?:my |the )?(?:payment|card|billing)\b", r"\bhow (?:do|can) i pay\b"],
        I.dispute: [r"\bcharge ?back\b", r"\b(?:bank|card company|issuer)\b[^.?!]{0,30}\brevers\w*", r"\brevers\w* the (?:charge|payment)\b", r"\bdisput\w*", r"\b(?:call(?:ing)?|contact(?:ing)?|tell(?:ing)?|report(?:ing)? (?:this|it|you) to) (?:my|the) (?:bank|card company|credit card company)\b",
                    r"\b(?:my|the) bank (?:to reverse|reversed|will reverse)\b"],
        I.compensation: [r"\bcompensat\w*", r"\bsomething for (?:my|the) (?:time|trouble|hassle|inconvenience)\b", r"\bfor the hassle\b", r"\b(?:discount|coupon|voucher|store credit|goodwill|partial refund)\b[^.?!]{0,30}\b(?:for|because|trouble|inconvenience|delay)\b",
                         r"\b(?:some|a) (?:discount|credit|coupon|voucher)\b", r"\bmake (?:it|this) up to me\b", r"\bfor the (?:trouble|inconvenience)\b"],
        I.other: [r"\badd (?:another|one more|a second|an? (?:extra|additional)|\w+ more)\b", r"\badd\b[^.?!]{0,40}\bto (?:my|the|this|that) order\b"],
        I.question: [r"\bwhich (?:sizes|colou?rs|options|versions)\b", r"\b(?:would|will|does) (?:that|it|this) cost\b", r"\bi (?:just )?want to know\b", r"\bwhat (?:sizes|colou?rs) does\b",
                     r"\bwhy (?:was|is|did) my order\b",
                     r"\bhow much\b", r"\bwhat (?:did i pay|is the price|was the (?:price|total)|are your|is your)\b", r"\bwhat i paid\b",
                     r"\bwhat (?:colou?rs|sizes|options)\b", r"\b(?:which|what) (?:payment method|card)\b[^.?!]{0,20}\b(?:use|used|pay)\w*",
                     r"\bdo you (?:have|sell|ship|offer|take|accept)\b", r"\bis (?:the|it|this) (?:still )?(?:available|in stock|waterproof)\b",
                     r"\b(?:return|refund|exchange|shipping) policy\b", r"\bhow (?:long|many days) (?:do|does|will)\b",
                     r"\bwhat(?:'s| is| was) the total\b", r"\bhow do i\b", r"\bdo i (?:have|need) to pay\b", r"\bwho pays\b"],
    },
    "es": {
        I.cancel: [r"\bcancel\w*", r"\banul\w*", r"\bya no (?:lo |la )?(?:quiero|necesito)\b"],
        I.change_items: [r"\b(?:cambiar|cambiarlo|cambiarla|cambio|sustituir|reemplazar)\b[^.?!]{0,50}\b(?:talla|color|por|modelo)\b", r"\b(?:quitar|quitame|sacar|saquen|quiten)\b", r"\botra talla\b", r"\bcambienlo\b"],
        I.change_address: [r"\b(?:cambiar|actualizar|corregir|modificar)\b[^.?!]{0,40}\bdireccion\b", r"\bdireccion (?:nueva|incorrecta|equivocada|mal)\b", r"\bnueva direccion\b", r"\bme mude\b", r"\benvi\w* a (?:mi )?(?:nueva|oficina|trabajo)\b", r"\ba otra direccion\b"],
        I.change_payment: [r"\b(?:cambiar|usar|pagar|pasar)\b[^.?!]{0,40}\b(?:metodo de pago|forma de pago|tarjeta|paypal|pago)\b"],
        I.exchange: [r"\bcambi(?:ar|o|arlo|arla)\b", r"\bintercambi\w*"],
        I.return_refund: [r"\bdevol\w*", r"\bdevuelv\w*", r"\breembols\w*", r"\breintegr\w*", r"\bmi dinero\b"],
        I.where_is_order: [r"\bdonde (?:esta|estan|anda)\b", r"\b(?:no|nunca|aun no|todavia no) (?:me )?(?:ha |han )?(?:llegado|llega|llego|llegaron|recibido|recibi)\b", r"\btodavia no\b", r"\bsigo esperando\b", r"\bseguimiento\b", r"\bcuando (?:llega|llegara|enviaran|envian)\w*", r"\bestado de mi pedido\b", r"\bretras\w*"],
        I.damaged_missing_wrong: [r"\b(?:abollad\w*|rayad\w*|roto|rota|rotos|danad\w*|defectuos\w*|estropead\w*|rajad\w*)\b", r"\bno funciona\b", r"\bdejo de funcionar\b", r"\bno (?:enciende|carga|prende)\b", r"\b(?:falta|faltan|faltaba)\b", r"\b(?:talla|color|articulo|producto) equivocad\w*\b", r"\bno es lo que (?:pedi|ordene)\b"],
        I.payment_problem: [r"\brechaz\w*", r"\bdeclinad\w*", r"\bcobr\w* (?:dos veces|doble)\b", r"\bel pago (?:fallo|no paso)\b"],
        I.dispute: [r"\bcontracargo\b", r"\bdisputa\b", r"\b(?:mi|el) banco\b"],
        I.compensation: [r"\bcompensacion\b", r"\bdescuento\b", r"\bcupon\b"],
        I.question: [r"\bcuanto (?:pague|cuesta|cuestan|vale)\b", r"\bque (?:colores|tallas)\b", r"\bpolitica de\b"],
    },
    "fr": {
        I.cancel: [r"\bannul\w*"],
        I.change_items: [r"\b(?:changer|echanger|remplacer|modifier)\b[^.?!]{0,50}\b(?:taille|couleur|contre|par|modele)\b", r"\bune autre taille\b", r"\b(?:retirer|enlever|supprimer)\b"],
        I.change_address: [r"\b(?:changer|modifier|corriger|mettre a jour)\b[^.?!]{0,40}\badresse\b", r"\bnouvelle adresse\b", r"\badresse (?:est )?(?:incorrecte|erronee|fausse)\b", r"\bj'ai demenage\b", r"\ba une autre adresse\b", r"\bdemenag\w*"],
        I.change_payment: [r"\b(?:changer|modifier|utiliser|payer)\b[^.?!]{0,40}\b(?:moyen de paiement|mode de paiement|carte|paypal)\b"],
        I.exchange: [r"\bechang\w*"],
        I.return_refund: [r"\bretourn\w*", r"\brembours\w*", r"\brenvoyer\b"],
        I.where_is_order: [r"\bou (?:est|en est|sont)\b", r"\b(?:pas|jamais) (?:encore )?(?:recu|arrive|ete livre|livre)\w*", r"\btoujours pas\b", r"\bsuivi\b", r"\bquand (?:vais-je|est-ce que|sera|arrivera)\w*", r"\ben retard\b", r"\btoujours en attente\b"],
        I.damaged_missing_wrong: [r"\b(?:cabosse\w*|raye\w*|casse|cassee|casses|endommag\w*|abime\w*|defectueu\w*|fissure\w*)\b", r"\bne (?:marche|fonctionne|s'allume|charge) (?:pas|plus)\b", r"\bmanqu\w*", r"\bmauvais\w*", r"\b(?:mauvaise taille|mauvais article|mauvaise couleur|mauvais produit)\b", r"\bpas ce que j'ai commande\b"],
        I.payment_problem: [r"\brefus\w*", r"\bdebit\w* (?:deux fois|en double)\b", r"\bpaiement (?:a echoue|refuse|n'est pas passe)\b"],
        I.dispute: [r"\bcontestation\b", r"\bcontester\b", r"\b(?:ma|la) banque\b", r"\bopposition\b"],
        I.compensation: [r"\bcompensation\b", r"\bdedommag\w*", r"\bgeste commercial\b", r"\breduction\b", r"\bbon d'achat\b"],
        I.question: [r"\bcombien\b", r"\bquelles? (?:couleurs|tailles)\b", r"\bpolitique de\b"],
    },
    "de": {
        I.cancel: [r"\bstornier\w*", r"\bstorno\b", r"\bannullier\w*", r"\bwiderruf\w*"],
        I.change_items: [r"\b(?:umtauschen|tauschen|andern|aendern|wechseln|ersetzen)\b[^.?!]{0,50}\b(?:gros?se|farbe|gegen|modell)\b", r"\b(?:gros?se|farbe)\b[^.?!]{0,40}\b(?:andern|tauschen|wechseln)\b", r"\bandere gros?se\b", r"\b(?:entfernen|rausnehmen|herausnehmen|streichen)\b", r"\bauf gros?se\b"],
        I.change_address: [r"\badresse\b[^.?!]{0,40}\b(?:andern|aendern|korrigieren|aktualisieren|falsch|geandert)\b", r"\b(?:andern|aendern|korrigieren)\b[^.?!]{0,40}\b(?:adresse|lieferadresse|anschrift)\b", r"\bneue (?:adresse|anschrift)\b", r"\bumgezogen\b", r"\ban eine andere (?:adresse|anschrift)\b", r"\blieferadresse\b"],
        I.change_payment: [r"\b(?:zahlungsart|zahlungsmethode)\b", r"\b(?:andere|neue) karte\b", r"\bmit paypal (?:bezahlen|zahlen)\b"],
        I.exchange: [r"\bumtausch\w*", r"\btausch\w*"],
        I.return_refund: [r"\bzuruckschick\w*", r"\bzuruckgeben\b", r"\bzurucksend\w*", r"\bruckgabe\b", r"\bretour\w*", r"\berstatt\w*", r"\bgeld zuruck\b", r"\bruckerstattung\b"],
        I.where_is_order: [r"\bwo (?:ist|bleibt|sind)\b", r"\bnoch nicht (?:angekommen|erhalten|geliefert|da|verschickt)\b", r"\bnie angekommen\b", r"\bnicht angekommen\b", r"\bsendungsverfolgung\b", r"\bwann (?:kommt|wird|kommen)\b", r"\bverspat\w*", r"\bimmer noch nicht\b", r"\bwarte (?:immer noch|noch)\b"],
        I.damaged_missing_wrong: [r"\b(?:verbeult|eingedellt|kaputt|beschadigt|defekt|zerbrochen|gebrochen|zerkratzt)\w*", r"\bfunktioniert (?:nicht|nicht mehr)\b", r"\brauscht\b", r"\bgeht nicht (?:mehr )?an\b", r"\bfehlt\b|\bfehlen\b", r"\bfalsche[nrs]? (?:artikel|gros?se|farbe|produkt)\b"],
        I.payment_problem: [r"\babgelehnt\b", r"\bdoppelt (?:abgebucht|belastet|berechnet)\b", r"\bzahlung (?:fehlgeschlagen|abgelehnt|ging nicht)\b"],
        I.dispute: [r"\bruckbuchung\b", r"\bzuruckbuchen\b", r"\bchargeback\b", r"\b(?:meine|die) bank\b"],
        I.compensation: [r"\bentschadigung\b", r"\brabatt\b", r"\bgutschein\b", r"\bkulanz\b"],
        I.question: [r"\bwie viel\b", r"\bwieviel\b", r"\bwas habe ich\b[^.?!]{0,40}\bbezahlt\b", r"\bwelche (?:farben|gros?sen)\b"],
    },
    "pt": {
        I.cancel: [r"\bcancel\w*", r"\bnao (?:quero|preciso) mais\b"],
        I.change_items: [r"\b(?:trocar|mudar|substituir)\b[^.?!]{0,50}\b(?:tamanho|cor|por|modelo)\b", r"\boutro tamanho\b", r"\b(?:pequen|grand|apertad|larg)\w* demais\b(?=[^?!]{0,80}\b(?:tamanho|troc\w*|um \d+))", r"\b(?:remover|tirar|tira|tirem)\b"],
        I.change_address: [r"\b(?:mudar|alterar|atualizar|corrigir)\b[^.?!]{0,40}\bendereco\b", r"\bnovo endereco\b", r"\bendereco (?:errado|incorreto)\b", r"\bme mudei\b", r"\bpara outro endereco\b", r"\bmudei de casa\b"],
        I.change_payment: [r"\b(?:mudar|alterar|trocar|usar|pagar)\b[^.?!]{0,40}\b(?:forma de pagamento|metodo de pagamento|cartao|paypal)\b"],
        I.exchange: [r"\btroc\w*"],
        I.return_refund: [r"\bdevol\w*", r"\breembols\w*", r"\bestorno\b", r"\bmeu dinheiro\b"],
        I.where_is_order: [r"\bonde (?:esta|estao|anda)\b", r"\b(?:nao|nunca|ainda nao) (?:chegou|recebi|foi entregue|chegaram)\b", r"\bainda nao\b", r"\brastreio\b|\brastreamento\b", r"\bqual (?:o|e o) status\b", r"\bprevisao de entrega\b", r"\bja saiu\b", r"\bquando (?:chega|vai chegar|sera)\w*", r"\batrasad\w*", r"\bcontinuo esperando\b"],
        I.damaged_missing_wrong: [r"\b(?:amassad\w*|riscad\w*|quebrad\w*|danificad\w*|defeituos\w*|estragad\w*|rachad\w*)\b", r"\bnao funciona\b", r"\bnao (?:liga|carrega)\b", r"\b(?:falta|faltando|faltou)\b", r"\b(?:tamanho|cor|produto|item) errad\w*\b"],
        I.payment_problem: [r"\brecusad\w*", r"\bcobrad\w* (?:duas vezes|em dobro)\b", r"\bpagamento (?:falhou|nao passou|recusado)\b"],
        I.dispute: [r"\bcontestacao\b", r"\bchargeback\b", r"\b(?:meu|o) banco\b"],
        I.compensation: [r"\bcompensacao\b", r"\bdesconto\b", r"\bcupom\b"],
        I.question: [r"\bquanto (?:paguei|custa)\b", r"\bquais (?:cores|tamanhos)\b"],
    },
    "it": {
        I.cancel: [r"\bannull\w*", r"\bcancell\w*", r"\bdisdire\b"],
        I.change_items: [r"\b(?:cambiare|sostituire|modificare)\b[^.?!]{0,50}\b(?:taglia|colore|con|modello)\b", r"\bun'?altra taglia\b", r"\btroppo (?:grand|piccol|stretto|stretta|largo|larga|corto|corta|lungo|lunga)\w*(?=[^?!]{0,80}\b(?:taglia|vorrei|una (?:xs|s|m|l|xl|xxl)\b|un \d+))", r"\b(?:rimuovere|togliere|togliete|eliminare)\b"],
        I.change_address: [r"\b(?:cambiare|modificare|aggiornare|correggere)\b[^.?!]{0,40}\bindirizzo\b", r"\bnuovo indirizzo\b", r"\b(?:a|ad) un altro indirizzo\b", r"\bindirizzo (?:sbagliato|errato)\b", r"\bmi sono trasferit\w*\b|\btraslocat\w*"],
        I.change_payment: [r"\b(?:cambiare|modificare|usare|pagare|pagarlo|pagarla)\b[^.?!]{0,40}\b(?:metodo di pagamento|carta|paypal)\b"],
        I.exchange: [r"\bcambi\w*", r"\bsostitu\w*"],
        I.return_refund: [r"\bres[oa]\b", r"\brestitu\w*", r"\brimbors\w*", r"\bi miei soldi\b", r"\brendere\b"],
        I.where_is_order: [r"\bdov'?e\b", r"\b(?:non|mai) (?:e |sono )?(?:ancora |mai )?(?:arrivat\w*|ricevut\w*|consegnat\w*)", r"\bancora (?:nulla|niente)\b", r"\btracciamento\b|\btracking\b", r"\bquando (?:arriva|arrivera|sara)\w*", r"\bin ritardo\b", r"\bsto ancora aspettando\b"],
        I.damaged_missing_wrong: [r"\b(?:ammaccat\w*|graffiat\w*|rott[oaie]|danneggiat\w*|difettos\w*|rovinat\w*|incrinat\w*)\b", r"\bnon funziona\b", r"\bnon si (?:carica|accende)\b", r"\bmanca(?:no|nte)?\b", r"\b(?:taglia|colore|articolo|prodotto) sbagliat\w*\b"],
        I.payment_problem: [r"\brifiutat\w*", r"\baddebitat\w* due volte\b", r"\bpagamento (?:fallito|non riuscito|rifiutato)\b"],
        I.dispute: [r"\bcontestazione\b", r"\bchargeback\b", r"\b(?:la mia|la) banca\b"],
        I.compensation: [r"\bcompensazione\b|\brisarcimento\b", r"\bsconto\b", r"\bbuono\b"],
        I.question: [r"\bquanto (?:ho pagato|costa)\b", r"\bquali (?:colori|taglie)\b"],
    },
}

# Mood cues, searched in the sentence around an intent cue.
MOODS: dict[str, dict[Mood, list[str]]] = {
    "en": {
        M.hypothetical: [r"\bif i (?:wanted|were|was|decided|decide|chose|choose|need(?:ed)?) to\b", r"\bhypothetical\w*", r"\bin theory\b",
                         r"\bwhat if i\b", r"\bwould i be able to\b", r"\bjust (?:curious|wondering) (?:if|whether)\b", r"\bin case i (?:want|need|decide)\b"],
        M.condition: [r"(?<!check )(?<!see )(?<!know )(?<!tell me )(?<!wondering )(?<!ask )(?<!asking )(?<!curious )\bif (?!possible\b|you can\b|you could\b|so\b|not too late\b|it'?s not too late\b|it is not too late\b|that'?s (?:ok|okay|possible|fine)\b|needed\b|necessary\b|any\b)",
                      r"\bunless\b", r"\bin case\b", r"\bonly if\b", r"\bas long as\b", r"\bprovided (?:that )?\b"],
        M.threat: [r"\bor (?:else )?i(?:'ll| will| am going to|'m going to| shall)\b", r"\bor (?:else )?(?:i'?m|i am) \w+ing\b", r"\bor (?:else )?(?:i|we) (?:file|open|start|dispute|report|call|contact|go to|take)\b", r"\botherwise i\b", r"\bi(?:'ll| will| am going to|'m going to) (?:have to )?(?:file|open|start|dispute|do a|contact|call|go to|report|leave)\b",
                   r"\bor (?:you'?ll|you will) (?:hear|be hearing)\b", r"\bbefore i (?:dispute|call|contact|file)\b"],
        M.question: [r"\bshould i\b", r"\bcould i still\b", r"\bis it (?:possible|too late|still possible)\b", r"\bdo i (?:need|have) to\b",
                     r"\bis it (?:actually|ever|really|even|still) (?:coming|going to (?:come|arrive|ship))\b", r"\bhas it (?:even )?shipped\b",
                     r"\bam i able to\b", r"\b(?:would|will) (?:it|that) be possible\b", r"\bwhat (?:happens|would happen)\b", r"\bis there (?:a|any) way\b",
                     r"\bwondering (?:if|whether)\b", r"\bare you able to\b",
                     r"\bwhether (?:i|you|we) (?:can|could|may|(?:am|are|'m|'re) (?:able|allowed) to)\b"],
    },
    "es": {M.hypothetical: [r"\bsi quisiera\b", r"\bhipotetic\w*"], M.condition: [r"\bsi (?!es posible\b|puede\b|pueden\b)", r"\ba menos que\b", r"\bsolo si\b"],
           M.threat: [r"\bo (?:voy a|le?s? )?(?:abrir|reclam|denunci|llam)\w*", r"\bo (?:pongo|abro|hago|presento)\b", r"\bsi no\b[^.?!]{0,40}\b(?:banco|disputa|denuncia)\b"], M.question: [r"\b(?:deberia)\b"]},
    "fr": {M.hypothetical: [r"\bsi (?:jamais )?je voulais\b", r"\bhypothetique\w*"], M.condition: [r"\bsi (?!possible\b|vous pouvez\b)", r"\bsauf si\b", r"\ba moins que\b"],
           M.threat: [r"\bsinon je\b", r"\bou je (?:vais|ferai)\b"], M.question: [r"\b(?:dois-je|devrais-je)\b"]},
    "de": {M.hypothetical: [r"\bwenn ich [^.?!]{0,30}wollte\b", r"\bhypothetisch\b"], M.condition: [r"\bfalls\b", r"\bwenn (?!moglich\b)", r"\bsofern\b", r"\bausser wenn\b"],
           M.threat: [r"\bsonst (?:werde|gehe) ich\b", r"\bansonsten\b"], M.question: [r"\bsollte ich\b"]},
    "pt": {M.hypothetical: [r"\bse eu quisesse\b", r"\bhipotetic\w*"], M.condition: [r"\bse (?!possivel\b|puder\b)", r"\ba menos que\b"],
           M.threat: [r"\bsenao (?:eu )?vou\b", r"\bou (?:eu )?vou\b"], M.question: [r"\b(?:devo|deveria)\b"]},
    "it": {M.hypothetical: [r"\bse volessi\b", r"\bipotetic\w*"], M.condition: [r"\bse (?!possibile\b|potete\b)", r"\ba meno che\b"],
           M.threat: [r"\baltrimenti\b", r"\bo (?:faro|apriro|chiamero)\b"], M.question: [r"\b(?:dovrei)\b"]},
}

# Polite request forms: a question mark after them is manners, not a question.
POLITE = {
    "en": r"\b(?:can|could|may) i (?!still\b)(?:please )?(?:get|have|swap|change|exchange|switch|trade|add)\b|\b(?:can|could|would|will) you (?:please |kindly |just )?\w+|\bplease\b|\bi(?:'d| would) like\b|\bi want\b|\bi need\b|\bkindly\b|\bcan (?:someone|somebody|we)\b|\b(?:can|could) (?:it|my order|the order|this) be\b",
    "es": r"\bpor favor\b|\b(?:puedo|se puede) (?:cambiar|pagar|quitar|anadir)\w*|\b(?:puede|pueden|podria|podrian)n?\b|\bquiero\b|\bquisiera\b|\bnecesito\b|\bme gustaria\b",
    "fr": r"\bs'il vous plait\b|\bje (?:peux|pourrais) (?:\w+ )?(?:payer|changer|echanger|modifier)\b|\bsvp\b|\bmerci de\b|\b(?:pouvez|pourriez)-vous\b|\bje (?:voudrais|veux|souhaite)\b",
    "de": r"\bbitte\b|\b(?:konnen|konnten) sie\b|\bich (?:mochte|will|wurde gerne|brauche)\b",
    "pt": r"\bpor favor\b|\b(?:posso|da pra|da para) (?:\w+ )?(?:trocar|mudar|pagar|tirar)\b|\b(?:pode|podem|poderia)m?\b|\bquero\b|\bgostaria\b|\bpreciso\b",
    "it": r"\bper favore\b|\b(?:posso|si puo) (?:\w+ )?(?:cambiar|pagar|toglier|sostituir)\w*|\bper piacere\b|\b(?:potete|potreste|puo|potrebbe)\b|\bvorrei\b|\bvoglio\b",
}
# Negated requests: "don't cancel", "no need to return it".
NEGATION = {
    "en": r"\b(?:don'?t|do not|didn'?t|no need to|not|never|won'?t|no longer want to|rather (?:not|wait than))\s+(?:\w+\s+){0,2}$",
    "es": r"\bno (?:\w+ ){0,1}$", "fr": r"\b(?:ne|n'|pas) (?:\w+ ){0,2}$", "de": r"\bnicht (?:\w+ ){0,1}$",
    "pt": r"\bnao (?:\w+ ){0,1}$", "it": r"\bnon (?:\w+ ){0,1}$",
}

# Out of scope is a finding: the text is about one of these, and asks nothing about an order.
OUT_OF_SCOPE: dict[str, list[str]] = {
    "account": [r"\bpassword\b", r"\blog ?in\b", r"\bsign ?in\b", r"\b2fa\b", r"\bdelete my account\b", r"\b(?:email|username) (?:address )?on my account\b",
                r"\bchange (?:my|the) email\b", r"\baccount (?:settings|locked|hacked)\b", r"\bcontrasena\b", r"\bmot de passe\b", r"\bpasswort\b", r"\bsenha\b"],
    "newsletter": [r"\bunsubscribe\b", r"\bpromotional (?:texts?|emails?|messages|sms)\b", r"\bnewsletter\b", r"\bmarketing emails?\b", r"\bmailing list\b", r"\bstop (?:sending|emailing) me\b"],
    "invoice": [r"\b(?:vat )?invoice\b", r"\breceipt for\b", r"\bexpense report\b", r"\bfactura\b", r"\bfacture\b", r"\brechnung\b", r"\bfattura\b"],
    "job_application": [r"\bhiring\b", r"\bjob (?:opening|application)\b", r"\bopen roles\b", r"\bmy (?:cv|resume)\b", r"\binternship\b", r"\bapply for\b"],
    "partnership": [r"\bwholesale\b", r"\bpartnership\b", r"\binfluencer\b", r"\bsponsor\w*", r"\bcollaborat\w*", r"\bseo services\b"],
    "product_question": [r"\bsize guide\b", r"\bwhat size should\b", r"\bwarranty\b", r"\bbefore (?:i buy|i order|buying)\b", r"\bthinking (?:of|about) (?:buying|ordering)\b",
                         r"\bdo you (?:sell|have|carry|stock)\b", r"\bin stock\b", r"\bis (?:the|this) \w+ (?:waterproof|compatible)\b", r"\bgift cards?\b(?! balance)",
                         r"\bwhich payment methods do you\b", r"\bdo you (?:take|accept) (?:paypal|amex|apple pay|crypto)\b", r"\bhow do i leave a review\b", r"\bmy (?:product )?review\b"],
    "promotion": [r"\bpromo code\b", r"\bdiscount code\b", r"\bstudent discount\b", r"\bcoupon code\b", r"\bloyalty points\b", r"\breferral\b", r"\bblack friday\b"],
    "store_info": [r"\bstore hours\b", r"\bphysical store\b", r"\bopening hours\b", r"\bcatalog\b", r"\bshowroom\b"],
    "privacy": [r"\bccpa\b", r"\bgdpr\b", r"\bpersonal data\b"],
    "small_talk": [r"\bjust wanted to say\b", r"\bthank you so much for\b", r"\bhave a (?:nice|great) (?:day|weekend)\b", r"\bhow are you\b", r"\blove your (?:store|shop|products)\b"],
}


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)

# Words that put a text in the order desk's world; a request read from a text with none of them (and no order
# number) is not taken as an order problem ("cancel my dinner reservation").
ANCHORS = re.compile(
    r"\b(?:orders?|ordered|package|parcel|shipment|ship\w*|delivery|delivered|tracking|warehouse\w*|stock|"
    r"declin\w*|refund\w*|return\w*|exchang(?!e rate)\w*|purchase\w*|bought|item|product|size|colou?r|charged|payment|"
    r"paypal|checkout|courier|carrier|ups|usps|fedex|dhl|shop|website|address|suite|apt|apartment|"
    r"direccion|adresse|endereco|indirizzo|anschrift|"
    r"pedido|paquete|envio|entrega|devolucion|reembolso|talla|compra|commande|colis|livraison|remboursement|"
    r"taille|bestellung|paket|lieferung|sendung|erstattung|gros?se|encomenda|entrega|devolucao|tamanho|"
    r"ordine|pacco|consegna|spedizione|rimborso|taglia|reso)\b")
