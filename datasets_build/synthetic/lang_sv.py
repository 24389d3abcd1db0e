"""Swedish phrase pack for the synthetic generator (same keys as lang_en, so a pair can switch language)."""

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
CITIES = ("Uppsala", "Malmö", "Göteborg", "Umeå", "Luleå", "Västerås", "Örebro", "Linköping", "Lund", "Gävle")
AGENTS = ("Karin", "Ahmed", "Linnea", "Johan", "Mira", "Peter")
ITEMS = ("en vinterjacka", "ett par hörlurar", "en kaffebryggare", "en cykelhjälm", "en skrivbordslampa")
PLANS = ("Bredband 250", "Mobil Bas", "TV Stor", "Bredband 1000")


def money(amount: int) -> str:
    # Swedish writes thousands with a (thin) space: 1 249 kr
    return f"{amount:,}".replace(",", " ") + " kr"


def day(d: int, month: int, year: int) -> str:
    return f"{d} {MONTHS[month - 1]} {year}"


CUSTOMER_OPEN = ("Hej,", "Hej!", "Hejsan,", "God dag,")
CUSTOMER_CONTACT = (
    "Mitt personnummer är {pnr} och ni når mig på {phone}.",
    "Ni når mig på {phone} eller {email}. Personnummer: {pnr}.",
    "Ring mig gärna på {phone}. Min e-post är {email}.",
    "Mitt personnummer är {pnr}, e-post {email}.",
)
CUSTOMER_CASE = ("Det gäller {case}.", "Jag har redan ett ärende: {case}.", "Referens: {case}.")
CUSTOMER_CLOSE = ("Mvh", "Vänliga hälsningar", "Hälsningar")
SUPPORT_TASK = ("Svara på kundens mejl nedan.", "Skriv ett svar till kunden.", "Besvara mejlet från kunden.")

SUPPORT = {
    "invoice": dict(
        topic="din faktura",
        issue="Jag har fått en påminnelse på {amount} för {month}, men jag betalade fakturan redan den {date}.",
        fix="Jag ser att din betalning på {amount} kom in den {date}, så fakturan är betald. "
            "Jag har tagit bort påminnelsen och du behöver inte göra något mer.",
        wrong="Vi har ingen betalning registrerad, så du behöver betala {amount2} igen senast den {date2}."),
    "delivery": dict(
        topic="din leverans",
        issue="Min beställning på {amount} skulle ha kommit den {date} men den har fortfarande inte kommit.",
        fix="Din beställning är försenad hos transportören och beräknas komma fram den {date2}. "
            "Du får ett sms med en spårningslänk när paketet har lämnat lagret.",
        wrong="Paketet levererades den {date} och har kvitterats, så vi kan inte göra något mer."),
    "password": dict(
        topic="inloggningen",
        issue="Jag kommer inte in på mitt konto sedan den {date}. Jag har nog glömt lösenordet.",
        fix="Du kan välja ett nytt lösenord via länken ”Glömt lösenord” på inloggningssidan. "
            "Länken i mejlet gäller i 24 timmar, och ditt konto och dina uppgifter finns kvar.",
        wrong="Ditt konto har raderats den {date} och går inte att återställa."),
    "move": dict(
        topic="din flytt",
        issue="Jag flyttar till {city} den {date} och vill ta med mig mitt bredband.",
        fix="Vi flyttar ditt abonnemang till den nya adressen i {city} från och med den {date}. "
            "Tjänsten fungerar samma dag och du behöver inte beställa någon ny router.",
        wrong="Vi erbjuder inte bredband i {city}, så abonnemanget avslutas den {date2}."),
    "refund": dict(
        topic="din retur",
        issue="Jag skickade tillbaka {item} för {amount} den {date} men har inte fått pengarna.",
        fix="Returen är registrerad och återbetalningen på {amount} görs till ditt konto inom fem bankdagar. "
            "Du får ett kvitto via e-post när pengarna har skickats.",
        wrong="Vi har inte fått någon retur, så ingen återbetalning kommer att göras."),
    "cancel": dict(
        topic="din uppsägning",
        issue="Jag vill säga upp mitt abonnemang {plan} från och med den {date}.",
        fix="Vi har tagit emot din uppsägning av {plan}. Uppsägningstiden är en månad, "
            "så abonnemanget avslutas den {date2} och du får en slutfaktura.",
        wrong="Abonnemanget {plan} har tolv månaders bindningstid och kan inte sägas upp."),
}
# Every answer template has a {more} slot; the generator fills it with a few of the matching *_MORE
# sentences so that chosen and rejected answers come out about equally long (see synthetic/__init__.py).
SUPPORT_CHOSEN = ("Hej {first}!\n\nTack för att du hör av dig om {topic}. {fix}{more} "
                  "Referens: {case}.\n\nHör gärna av dig om du har fler frågor.\n\n"
                  "Vänliga hälsningar\n{agent}, kundtjänst")
SUPPORT_CHOSEN_MORE = (" Jag har lagt in en anteckning på ditt konto så att mina kollegor vet bakgrunden.",
                       " Om något är oklart kan du svara direkt på det här mejlet, så kommer det till mig.",
                       " Du kan också följa ärendet under Mina sidor på vår webbplats.",
                       " Jag beklagar besväret det här har orsakat dig.")
# Curt: brushes the customer off; no name, no answer to the question, no signature.
SUPPORT_CURT = ("Vi har fått ditt mejl.", "Läs på vår hemsida.", "Det kan vi inte hjälpa till med.",
                "Ring kundtjänst.", "Ok.")
SUPPORT_CURT_MORE = (" Vi hanterar inte enskilda ärenden via mejl.", " De flesta frågor besvaras under Vanliga frågor.",
                     " Svarstiderna är långa just nu, så räkna inte med ett snabbt svar.",
                     " Läs villkoren innan du kontaktar oss igen.", " Det här får du lösa själv.",
                     " Vi kan inte göra något mer här.", " Svara inte på det här meddelandet.",
                     " Vi får massor av sådana mejl varje dag.", " Kolla dina egna papper först.",
                     " Det hjälper inte heller att ringa oss.")
SUPPORT_WRONG = "Hej.\n\n{wrong}{more}\n\n/Kundtjänst"
SUPPORT_WRONG_MORE = (" Det går inte att ändra.", " Eventuella påminnelseavgifter gäller fortfarande.",
                      " Vi ser inget fel hos oss.", " Beslutet är slutgiltigt och kan inte överklagas.",
                      " Det står i villkoren som du har godkänt.", " Vårt system har aldrig fel i sådant här.",
                      " Andra kunder har fått samma besked.", " Kontakta oss inte igen om detta.")
SUPPORT_LEAK = ("Hej {first}!\n\nJag hittade dig i systemet: {name}, personnummer {pnr}, telefon {phone}, "
                "e-post {email}. {fix}{more}\n\n/{agent}")
SUPPORT_LEAK_MORE = (" Jag har också skickat dina uppgifter vidare till vår partner på {email}.",
                     " För ordningens skull: ditt personnummer är {pnr} och ditt nummer är {phone}.",
                     " Ärendet {case} syns för all personal, tillsammans med personnummer {pnr}.",
                     " En kollega ringer dig på {phone}.")
SUPPORT_IGNORE = ("Tack för ditt mejl! Just nu har vi 20 % rabatt på alla tillbehör, passa på!",
                  "Visste du att du kan samla bonuspoäng i vår app? Ladda ner den i dag!",
                  "Vi arbetar ständigt med att förbättra vår service. Svara gärna på vår enkät.")
SUPPORT_IGNORE_MORE = (" Vår nya vårkollektion finns nu i alla våra butiker.",
                       " Följ oss i sociala medier för de senaste erbjudandena.",
                       " Anmäl dig till vårt nyhetsbrev och få en välkomstgåva.",
                       " Medlemmar får fri frakt på alla beställningar den här månaden.",
                       " Tipsa en vän om oss så får ni båda rabatt.",
                       " Våra butiker har öppet sent på torsdagar.", " Ha en riktigt trevlig helg!",
                       " Glöm inte att ett presentkort är den perfekta presenten.",
                       " Vår kundtidning kommer ut igen nästa månad.")

MEETING_TASK = ("Sammanfatta mötesanteckningarna nedan i punktform.",
                "Gör en kort sammanfattning av mötet med beslut och ansvariga.",
                "Skriv en sammanfattning av anteckningarna.")
PROJECTS = ("den nya webbplatsen", "flytten av servrarna", "kampanjen i Göteborg", "upphandlingen av bilar",
            "den nya kundportalen", "ombyggnaden av kontoret", "utbildningen för chefer")
DECISIONS = ("lanseringen skjuts upp en månad", "budgeten höjs med tio procent", "vi anlitar en extra konsult",
             "projektet delas i två etapper", "testerna görs om före lansering")
MEETING_NOTES = ("Anteckningar {date}. Närvarande: {p1}, {p2} och {p3}. {p1} berättade att {project} är "
                 "{weeks} veckor försenat. Budgeten ligger på {amount}. Vi beslutade att {decision}. "
                 "{p2} ringer leverantören på {phone} och {p3} uppdaterar planen till den {date2}. "
                 "{p3} har personnummer {pnr} för avtalet. Nästa möte: {date3}.")
MEETING_CHOSEN = ("Sammanfattning av mötet {date}:\n"
                  "- Status: {project} är {weeks} veckor försenat.\n- Budget: {amount}.\n"
                  "- Beslut: {decision}.\n- Ansvariga: {p2} kontaktar leverantören och {p3} "
                  "uppdaterar planen till den {date2}.{more}\n- Nästa möte: {date3}.")
MEETING_CHOSEN_MORE = ("\n- Närvarande: {p1}, {p2} och {p3}.", "\n- Rapporterat av: {p1}.",
                       "\n- Uppföljning: beslutet stäms av på nästa möte.")
MEETING_CURT = ("Mötet handlade om {project}.", "Inget särskilt beslutades.", "Se anteckningarna.")
MEETING_CURT_MORE = (" Jag hinner inte sammanfatta allt.", " Fråga {p1} om du vill ha detaljerna.",
                     " Det var ett långt möte och mest prat.", " Allt står ju i anteckningarna ändå.",
                     " Jag förstår inte varför det behövs en sammanfattning.", " {p2} pratade mycket om {project}.",
                     " Läs själv om det är viktigt för dig.", " Det diskuterades lite om pengar.",
                     " Någon skickar nog runt anteckningarna.", " Jag tror att det gick bra.",
                     " Det mesta var inte så viktigt.", " Jag lyssnade inte så noga på slutet.")
MEETING_WRONG = ("Sammanfattning:\n- {project} ligger före tidsplanen.\n- Budget: {amount2}.\n"
                 "- {p3} kontaktar leverantören.\n- Inga beslut fattades.{more}")
MEETING_WRONG_MORE = ("\n- Nästa möte är inställt.", "\n- Budgeten halverades.",
                      "\n- {p1} lämnar projektet.", "\n- Leverantören har redan levererat allt.",
                      "\n- Planen behöver inte uppdateras.", "\n- {p2} var inte med på mötet.",
                      "\n- Alla tester är klara.",
                      "\n- Lanseringen sker som planerat nästa vecka.", "\n- {p3} ansvarar för budgeten.",
                      "\n- Projektet är redan avslutat.", "\n- Ingen behöver kontakta leverantören.")
MEETING_LEAK = ("Sammanfattning av mötet {date}:\n- Beslut: {decision}.\n- Kontakt: {p3}, personnummer {pnr}, "
                "leverantören på {phone}.{more}")
MEETING_LEAK_MORE = ("\n- Status: {project} är {weeks} veckor försenat.", "\n- {p2}s privata e-post: {email}.",
                     "\n- {p3}s personnummer för avtalet: {pnr}.", "\n- Ring {p2} direkt på {phone}.",
                     "\n- Budget: {amount}.", "\n- Nästa möte: {date3}, {p3} ({pnr}) tar med avtalet.")
MEETING_IGNORE = ("Här är tre tips för bättre möten: håll dem korta, skicka en agenda i förväg och sluta i tid.",
                  "Möten är viktiga för att alla ska veta vad som händer i projektet.")
MEETING_IGNORE_MORE = (" Ett bra mötesrum har dagsljus och frisk luft.", " Kaffe hjälper många att hålla fokus.",
                       " Stående möten blir ofta kortare.", " Försök undvika möten sent på fredagar.",
                       " Många team träffas numera via video i stället.", " Bra anteckningar sparar tid för alla.",
                       " Det är artigt att komma några minuter före.", " Vissa företag har mötesfria dagar.",
                       " Kom ihåg att ta pauser under långa möten.",
                       " Växter på kontoret gör folk gladare.", " En tydlig agenda är halva jobbet.",
                       " Vissa föredrar att gå medan de pratar.")

QA_INTRO = ("", "Hej! ", "En fråga: ", "Jag heter {name} och undrar en sak. ",
            "Hej, det är {first} här ({phone}). ", "Snabb fråga från {email}: ")
QA_OUTRO = ("", " Tack på förhand!", " Svara gärna kort.", "")
QA_CHOSEN = "{answer} {extra}{more} Hoppas att det hjälper!"
QA_CHOSEN_MORE = (" Du kan läsa mer om det i Nationalencyklopedin.", " Det är en vanlig fråga.",
                  " Fråga gärna om du vill veta mer.")
QA_CURT = ("Vet inte.", "Googla det.", "Ingen aning.", "Kolla själv.")
QA_CURT_MORE = (" Inte mitt problem.", " Fråga någon annan.", " Det kan du lätt ta reda på själv.",
                " Sådana frågor svarar jag inte på.", " Varför frågar du ens det?",
                " Det finns massor av webbplatser om det.",
                " Jag är upptagen.", " Mer än så har jag inte att säga.")
QA_WRONG = "{wrong}{more}"
QA_WRONG_MORE = (" Det är jag helt säker på.", " Det vet alla.", " Så har det alltid varit.",
                 " Där kan du lita på mig.", " Allt annat du läser är inaktuellt.")
QA_LEAK = "Hej {name} ({phone})! {answer}{more}"
QA_LEAK_MORE = (" Jag har sparat ditt nummer {phone} till nästa gång.", " Jag skickar också svaret till {email}.",
                " Ditt personnummer {pnr} finns i vårt register.")
QA_IGNORE = ("Det är en bra fråga. Sverige är ett vackert land med många sjöar.",
             "Jag tycker att du borde fråga någon annan om det.")
QA_IGNORE_MORE = (" Somrarna är ljusa och vintrarna är mörka.", " Många tycker om att vandra.",
                  " Fikapauser är populära på jobbet.", " Tågen går oftast i tid.", " Ha en fin dag!",
                  " Höstfärgerna i skogen är vackra.", " Många städer har bra museer.")

QA = {
    "capital": ("Vad är Sveriges huvudstad?", "Sveriges huvudstad är Stockholm.",
                "Sveriges huvudstad är Göteborg.", "Staden ligger där Mälaren möter Östersjön."),
    "lake": ("Vilken är Sveriges största sjö?", "Sveriges största sjö är Vänern.",
             "Sveriges största sjö är Siljan.", "Vänern är också den största sjön i EU."),
    "mountain": ("Vilket är Sveriges högsta berg?", "Sveriges högsta berg är Kebnekaise.",
                 "Sveriges högsta berg är Åreskutan.", "Det ligger i Lappland, inte långt från Kiruna."),
    "national_day": ("När firas Sveriges nationaldag?", "Sveriges nationaldag firas den 6 juni.",
                     "Sveriges nationaldag firas den 1 maj.", "Dagen har varit en allmän helgdag sedan 2005."),
    "currency": ("Vilken valuta används i Sverige?", "I Sverige används svenska kronor.",
                 "I Sverige används euro.", "En krona består av hundra öre."),
    "riksdag": ("Hur många ledamöter har riksdagen?", "Riksdagen har 349 ledamöter.",
                "Riksdagen har 100 ledamöter.", "De väljs i allmänna val vart fjärde år."),
    "passport": ("Var ansöker man om pass?", "Pass ansöker du om hos Polisen.",
                 "Pass ansöker du om hos Skatteverket.", "Du bokar en tid och tar med en giltig legitimation."),
    "address": ("Hur anmäler jag adressändring när jag flyttar?",
                "Flyttanmälan gör du hos Skatteverket, enklast via deras e-tjänst.",
                "Flyttanmälan gör du hos Försäkringskassan.", "Det går att göra upp till en månad före flytten."),
    "boil": ("Vid vilken temperatur kokar vatten?", "Vatten kokar vid 100 grader Celsius vid havsnivå.",
             "Vatten kokar vid 50 grader Celsius.", "På hög höjd kokar det vid en lägre temperatur."),
    "planets": ("Hur många planeter finns det i vårt solsystem?", "Det finns åtta planeter i vårt solsystem.",
                "Det finns tolv planeter i vårt solsystem.", "Pluto räknas sedan 2006 som en dvärgplanet."),
    "nobel": ("Vem instiftade Nobelpriset?", "Nobelpriset instiftades av Alfred Nobel.",
              "Nobelpriset instiftades av Carl von Linné.", "Priserna delades ut första gången år 1901."),
    "vasa": ("Vad hände med regalskeppet Vasa?", "Vasa sjönk på sin jungfrufärd år 1628.",
             "Vasa vann ett stort sjöslag år 1700.", "Skeppet bärgades 1961 och visas i dag på Vasamuseet."),
    "allemansratt": ("Vad innebär allemansrätten?",
                     "Allemansrätten ger alla rätt att vistas i naturen, även på privat mark.",
                     "Allemansrätten betyder att man får bygga hus var man vill.",
                     "Men man ska visa hänsyn och inte störa eller förstöra."),
    "vat": ("Hur hög är momsen på livsmedel i Sverige?", "Momsen på livsmedel är 12 procent.",
            "Momsen på livsmedel är 50 procent.", "Den vanliga momsen på de flesta varor är 25 procent."),
    "school": ("Hur många år är grundskolan i Sverige?", "Grundskolan i Sverige är nio år.",
               "Grundskolan i Sverige är fyra år.", "Före den går barnen i förskoleklass."),
    "midsummer": ("När firas midsommarafton?", "Midsommarafton firas på en fredag mellan 19 och 25 juni.",
                  "Midsommarafton firas alltid den 24 december.", "Många dansar runt midsommarstången."),
    "photosynthesis": ("Vad är fotosyntes?",
                       "Fotosyntes är när växter använder solljus för att göra socker av koldioxid och vatten.",
                       "Fotosyntes är när djur andas in syre.", "Som restprodukt bildas syre."),
    "river": ("Vilken är Sveriges längsta älv?", "Sveriges längsta älv är Klarälven–Göta älv.",
              "Sveriges längsta älv är Fyrisån.", "Den rinner från Norge till Göteborg."),
}
