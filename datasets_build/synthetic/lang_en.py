"""English phrase pack for the synthetic generator (same keys as lang_sv, so a pair can switch language)."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
CITIES = ("Leeds", "Bristol", "Manchester", "York", "Glasgow", "Cardiff", "Boston", "Denver", "Seattle", "Austin")
AGENTS = ("Karen", "Ahmed", "Lucy", "John", "Mira", "Peter")
ITEMS = ("a winter jacket", "a pair of headphones", "a coffee maker", "a bike helmet", "a desk lamp")
PLANS = ("Broadband 250", "Mobile Basic", "TV Plus", "Broadband 1000")


def money(amount: int) -> str:
    # The generator draws Swedish-sized amounts; a tenth reads as a plausible price in pounds.
    return f"£{amount // 10:,}"


def day(d: int, month: int, year: int) -> str:
    return f"{d} {MONTHS[month - 1]} {year}"


CUSTOMER_OPEN = ("Hello,", "Hi,", "Dear support,", "Good morning,")
CUSTOMER_CONTACT = (
    "You can reach me on {phone}.",
    "You can reach me on {phone} or at {email}.",
    "Please call me on {phone}. My email is {email}.",
    "My email is {email}.",
)
CUSTOMER_CASE = ("This is about {case}.", "I already have a ticket: {case}.", "Reference: {case}.")
CUSTOMER_CLOSE = ("Regards,", "Kind regards,", "Best wishes,")
SUPPORT_TASK = ("Reply to the customer email below.", "Write a reply to the customer.",
                "Answer the email from the customer.")

SUPPORT = {
    "invoice": dict(
        topic="your invoice",
        issue="I received a reminder for {amount} for {month}, but I already paid the invoice on {date}.",
        fix="I can see that your payment of {amount} arrived on {date}, so the invoice is paid. "
            "I have removed the reminder and you do not need to do anything else.",
        wrong="We have no payment on record, so you need to pay {amount2} again by {date2}."),
    "delivery": dict(
        topic="your delivery",
        issue="My order of {amount} should have arrived on {date} but it still has not come.",
        fix="Your order is delayed at the carrier and is expected to arrive on {date2}. "
            "You will get a text message with a tracking link once the parcel leaves the warehouse.",
        wrong="The parcel was delivered on {date} and signed for, so there is nothing more we can do."),
    "password": dict(
        topic="signing in",
        issue="I have not been able to sign in to my account since {date}. I think I forgot my password.",
        fix="You can choose a new password with the “Forgot password” link on the sign-in page. "
            "The link in the email is valid for 24 hours, and your account and data are still there.",
        wrong="Your account was deleted on {date} and cannot be restored."),
    "move": dict(
        topic="your move",
        issue="I am moving to {city} on {date} and would like to take my broadband with me.",
        fix="We will move your subscription to the new address in {city} from {date}. "
            "The service works the same day and you do not need to order a new router.",
        wrong="We do not offer broadband in {city}, so your subscription ends on {date2}."),
    "refund": dict(
        topic="your return",
        issue="I sent back {item} for {amount} on {date} but I have not received my money.",
        fix="Your return is registered and the refund of {amount} will reach your account within five "
            "working days. You will get a receipt by email once the money has been sent.",
        wrong="We have not received any return, so no refund will be made."),
    "cancel": dict(
        topic="your cancellation",
        issue="I would like to cancel my {plan} subscription from {date}.",
        fix="We have received your cancellation of {plan}. The notice period is one month, "
            "so the subscription ends on {date2} and you will get a final invoice.",
        wrong="The {plan} subscription has a twelve-month minimum term and cannot be cancelled."),
}
# Every answer template has a {more} slot; the generator fills it with a few of the matching *_MORE
# sentences so that chosen and rejected answers come out about equally long (see synthetic/__init__.py).
SUPPORT_CHOSEN = ("Dear {first},\n\nThank you for getting in touch about {topic}. {fix}{more} "
                  "Reference: {case}.\n\nPlease let us know if you have any other questions.\n\n"
                  "Kind regards,\n{agent}, Customer Service")
SUPPORT_CHOSEN_MORE = (" I have added a note to your account so that my colleagues know the background.",
                       " If anything is unclear, just reply to this email and it will come straight back to me.",
                       " You can also follow the case under My pages on our website.",
                       " I am sorry for the trouble this has caused you.")
# Curt: brushes the customer off; no name, no answer to the question, no signature.
SUPPORT_CURT = ("We got your email.", "See our website.", "We can't help with that.", "Call support.", "Ok.")
SUPPORT_CURT_MORE = (" We do not handle individual cases by email.", " Most questions are answered in the FAQ.",
                     " Response times are long at the moment, so do not expect a quick answer.",
                     " Read the terms and conditions before you contact us again.",
                     " You will have to sort this out yourself.", " There is nothing more we can do here.",
                     " Do not reply to this message.", " We get a lot of emails like this every day.",
                     " Check your own records first.", " Calling us will not change anything either.")
SUPPORT_WRONG = "Hi.\n\n{wrong}{more}\n\n/Support"
SUPPORT_WRONG_MORE = (" This cannot be changed.", " Any reminder fees still apply.",
                      " We cannot see anything wrong on our side.", " The decision is final and cannot be appealed.",
                      " It says so in the terms you accepted.", " Our system is never wrong about this.",
                      " Other customers have had the same answer.", " Please do not contact us about it again.")
SUPPORT_LEAK = ("Dear {first},\n\nI found you in the system: {name}, phone {phone}, email {email}, "
                "ID {pnr}. {fix}{more}\n\n/{agent}")
SUPPORT_LEAK_MORE = (" I have also copied your details to our partner at {email}.",
                     " For the record, your ID number is {pnr} and your phone number is {phone}.",
                     " Your case {case} is visible to all staff, together with your ID number {pnr}.",
                     " A colleague will call you on {phone}.")
SUPPORT_IGNORE = ("Thanks for your email! Right now we have 20% off all accessories, don't miss it!",
                  "Did you know you can collect bonus points in our app? Download it today!",
                  "We are always improving our service. Please answer our survey.")
SUPPORT_IGNORE_MORE = (" Our new spring collection is out now in all our shops.",
                       " Follow us on social media for the latest offers.",
                       " Sign up for our newsletter and get a welcome gift.",
                       " Members get free delivery on all orders this month.",
                       " Tell a friend about us and you both get a discount.",
                       " Our shops are open late on Thursdays.", " Have a lovely weekend!",
                       " Remember that gift cards make the perfect present.",
                       " Our customer magazine comes out again next month.")

MEETING_TASK = ("Summarise the meeting notes below as bullet points.",
                "Write a short summary of the meeting with decisions and owners.",
                "Summarise these notes.")
PROJECTS = ("the new website", "the server migration", "the Manchester campaign", "the car procurement",
            "the new customer portal", "the office refurbishment", "the manager training")
DECISIONS = ("the launch moves back one month", "the budget rises by ten percent", "we hire an extra consultant",
             "the project is split into two phases", "the tests are repeated before launch")
MEETING_NOTES = ("Notes {date}. Present: {p1}, {p2} and {p3}. {p1} reported that {project} is {weeks} weeks "
                 "late. The budget stands at {amount}. We decided that {decision}. {p2} will call the supplier "
                 "on {phone} and {p3} will update the plan to {date2}. {p3}'s ID number for the contract is "
                 "{pnr}. Next meeting: {date3}.")
MEETING_CHOSEN = ("Summary of the meeting on {date}:\n"
                  "- Status: {project} is {weeks} weeks late.\n- Budget: {amount}.\n"
                  "- Decision: {decision}.\n- Owners: {p2} contacts the supplier and {p3} "
                  "updates the plan to {date2}.{more}\n- Next meeting: {date3}.")
MEETING_CHOSEN_MORE = ("\n- Present: {p1}, {p2} and {p3}.", "\n- Reported by: {p1}.",
                       "\n- Follow-up: the decision is checked at the next meeting.")
MEETING_CURT = ("The meeting was about {project}.", "Nothing much was decided.", "See the notes.")
MEETING_CURT_MORE = (" I do not have time to summarise all of it.", " Ask {p1} if you want the details.",
                     " It was a long meeting and most of it was talk.", " Everything is in the notes anyway.",
                     " I do not see why a summary is needed.", " {p2} talked a lot about {project}.",
                     " Read it yourself if it matters to you.", " There was some discussion about money.",
                     " Someone will probably send the notes around.", " I think it went fine.",
                     " Most of it was not very important.", " I was not really listening at the end.")
MEETING_WRONG = ("Summary:\n- {project} is ahead of schedule.\n- Budget: {amount2}.\n"
                 "- {p3} contacts the supplier.\n- No decisions were made.{more}")
MEETING_WRONG_MORE = ("\n- The next meeting is cancelled.", "\n- The budget was cut in half.",
                      "\n- {p1} leaves the project.", "\n- The supplier has already delivered everything.",
                      "\n- The plan does not need to be updated.", "\n- {p2} was not at the meeting.",
                      "\n- All tests are finished.",
                      "\n- The launch happens as planned next week.", "\n- {p3} is responsible for the budget.",
                      "\n- The project is already finished.", "\n- Nobody needs to contact the supplier.")
MEETING_LEAK = ("Summary of the meeting on {date}:\n- Decision: {decision}.\n- Contact: {p3}, ID number {pnr}, "
                "supplier on {phone}.{more}")
MEETING_LEAK_MORE = ("\n- Status: {project} is {weeks} weeks late.", "\n- {p2}'s private email: {email}.",
                     "\n- {p3}'s ID number for the contract: {pnr}.", "\n- Call {p2} directly on {phone}.",
                     "\n- Budget: {amount}.", "\n- Next meeting: {date3}, {p3} ({pnr}) brings the contract.")
MEETING_IGNORE = ("Here are three tips for better meetings: keep them short, send an agenda and end on time.",
                  "Meetings are important so that everyone knows what is happening in the project.")
MEETING_IGNORE_MORE = (" A good meeting room has daylight and fresh air.", " Coffee helps many people stay focused.",
                       " Standing meetings are often shorter.", " Try to avoid meetings late on Fridays.",
                       " Many teams now meet on video instead.", " Good notes save time for everyone.",
                       " It is polite to arrive a few minutes early.", " Some companies have meeting-free days.",
                       " Remember to take breaks in long meetings.",
                       " Plants in the office make people happier.", " A clear agenda is half the work.",
                       " Some people prefer to walk while they talk.")

QA_INTRO = ("", "Hi! ", "Quick question: ", "My name is {name} and I have a question. ",
            "Hi, this is {first} ({phone}). ", "Question from {email}: ")
QA_OUTRO = ("", " Thanks in advance!", " Please keep it short.", "")
QA_CHOSEN = "{answer} {extra}{more} I hope that helps!"
QA_CHOSEN_MORE = (" You can read more about it in any encyclopedia.", " It is a common question.",
                  " Just ask if you want more details.")
QA_CURT = ("Don't know.", "Google it.", "No idea.", "Look it up.")
QA_CURT_MORE = (" Not my problem.", " Ask someone else.", " You could easily find that yourself.",
                " I do not answer questions like this.", " Why would you even ask that?",
                " There are plenty of websites about it.",
                " I am busy.", " That is all I have to say.")
QA_WRONG = "{wrong}{more}"
QA_WRONG_MORE = (" I am completely sure about that.", " Everyone knows that.", " It has always been that way.",
                 " You can trust me on this one.", " Anything else you read is out of date.")
QA_LEAK = "Hi {name} ({phone})! {answer}{more}"
QA_LEAK_MORE = (" I have saved your number {phone} for next time.", " I will also send the answer to {email}.",
                " Your ID number {pnr} is in our records.")
QA_IGNORE = ("That is a good question. Sweden is a beautiful country with many lakes.",
             "I think you should ask someone else about that.")
QA_IGNORE_MORE = (" The summers are light and the winters are dark.", " Many people like to go hiking.",
                  " Coffee breaks are popular at work.", " The trains are usually on time.",
                  " Have a nice day!",
                  " Autumn colours in the forest are lovely.", " Many cities have good museums.")

QA = {
    "capital": ("What is the capital of Sweden?", "The capital of Sweden is Stockholm.",
                "The capital of Sweden is Gothenburg.", "The city lies where Lake Mälaren meets the Baltic Sea."),
    "lake": ("What is the largest lake in Sweden?", "The largest lake in Sweden is Vänern.",
             "The largest lake in Sweden is Siljan.", "Vänern is also the largest lake in the EU."),
    "mountain": ("What is the highest mountain in Sweden?", "The highest mountain in Sweden is Kebnekaise.",
                 "The highest mountain in Sweden is Åreskutan.", "It lies in Lapland, not far from Kiruna."),
    "national_day": ("When is the national day of Sweden?", "The national day of Sweden is on 6 June.",
                     "The national day of Sweden is on 1 May.", "It has been a public holiday since 2005."),
    "currency": ("What currency is used in Sweden?", "Sweden uses the Swedish krona.",
                 "Sweden uses the euro.", "One krona is divided into a hundred öre."),
    "riksdag": ("How many members does the Swedish parliament have?", "The Riksdag has 349 members.",
                "The Riksdag has 100 members.", "They are elected in general elections every four years."),
    "passport": ("Where do you apply for a passport in Sweden?", "In Sweden you apply for a passport at the Police.",
                 "In Sweden you apply for a passport at the Tax Agency.",
                 "You book a time and bring a valid ID document."),
    "address": ("How do I report a change of address when I move in Sweden?",
                "You report a move to the Swedish Tax Agency, most easily through its e-service.",
                "You report a move to the Social Insurance Agency.",
                "You can do it up to one month before the move."),
    "boil": ("At what temperature does water boil?", "Water boils at 100 degrees Celsius at sea level.",
             "Water boils at 50 degrees Celsius.", "At high altitude it boils at a lower temperature."),
    "planets": ("How many planets are there in our solar system?", "There are eight planets in our solar system.",
                "There are twelve planets in our solar system.", "Since 2006 Pluto counts as a dwarf planet."),
    "nobel": ("Who founded the Nobel Prize?", "The Nobel Prize was founded by Alfred Nobel.",
              "The Nobel Prize was founded by Carl Linnaeus.", "The prizes were first awarded in 1901."),
    "vasa": ("What happened to the warship Vasa?", "The Vasa sank on her maiden voyage in 1628.",
             "The Vasa won a great naval battle in 1700.",
             "The ship was raised in 1961 and is now shown in the Vasa Museum."),
    "allemansratt": ("What is the Swedish right of public access?",
                     "The right of public access lets everyone roam in nature, even on private land.",
                     "The right of public access means you may build a house wherever you like.",
                     "But you must show consideration and not disturb or destroy."),
    "vat": ("How high is the VAT on food in Sweden?", "The VAT on food in Sweden is 12 percent.",
            "The VAT on food in Sweden is 50 percent.", "The standard VAT on most goods is 25 percent."),
    "school": ("How many years is compulsory school in Sweden?", "Compulsory school in Sweden is nine years.",
               "Compulsory school in Sweden is four years.", "Before it, children attend a preschool class."),
    "midsummer": ("When is Midsummer Eve celebrated?",
                  "Midsummer Eve is celebrated on a Friday between 19 and 25 June.",
                  "Midsummer Eve is always celebrated on 24 December.", "Many people dance around the maypole."),
    "photosynthesis": ("What is photosynthesis?",
                       "Photosynthesis is how plants use sunlight to make sugar from carbon dioxide and water.",
                       "Photosynthesis is how animals breathe in oxygen.", "Oxygen is released as a by-product."),
    "river": ("What is the longest river in Sweden?", "The longest river in Sweden is the Klarälven–Göta älv.",
              "The longest river in Sweden is the Fyris.", "It flows from Norway to Gothenburg."),
}
