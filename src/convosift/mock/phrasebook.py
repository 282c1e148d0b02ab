"""Everything the synthetic inbox says besides theme phrasings: noise, replies, people, translations.

Plain data. Noise texts are chosen so that each noisy conversation fails the quality filter for
exactly one reason (see :mod:`convosift.mock.inbox`).
"""

from __future__ import annotations

FIRST_NAMES = (
    "Ava",
    "Noah",
    "Mia",
    "Liam",
    "Zoe",
    "Omar",
    "Priya",
    "Jonas",
    "Lea",
    "Mateo",
    "Hana",
    "Kofi",
    "Ines",
    "Yuki",
    "Sven",
    "Chloe",
    "Ravi",
    "Elena",
    "Tom",
    "Amara",
)
LAST_NAMES = (
    "Keller",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Garcia",
    "Novak",
    "Shah",
    "Brennan",
    "Rossi",
    "Haddad",
    "Nguyen",
    "Costa",
    "Fischer",
    "Olsen",
    "Mensah",
)

ADMINS = (
    ("7310021", "Dana Whitfield"),
    ("7310022", "Marco Pell"),
    ("7310023", "Sofia Arendt"),
    ("7310024", "Jamal Ortiz"),
    ("7310025", "Ruth Achebe"),
)
TEAMS = (5101, 5102, 5103)
BOT = ("7319999", "Fin")

TAG_NAMES = (
    ("9001", "vip"),
    ("9002", "bug"),
    ("9003", "churn-risk"),
    ("9004", "escalated"),
    ("9005", "billing"),
)

# --- noise openers -------------------------------------------------------------------------------

TEMPLATE_CLICKS = (
    "I have a question",
    "Talk to a person",
    "Something else",
    "Get help",
    "👋",
)
"""Canned quick-reply buttons of the messenger: the customer clicked, never typed."""

SHORT_OPENERS = ("hi", "help", "?", "hello there", "hey", "hello", "hi!", "help!!", "???", "yo")
"""Openers too short to say anything."""

RECOVERY_OPENERS = ("hi", "hello", "hey there", "hi!", "quick question")
"""Short openers whose follow-up carries the real issue (the filter must keep these)."""

ADMIN_OUTBOUND = (
    "Hi {first}, I'm checking in on your onboarding. Have you connected your sales channels yet?",
    "Welcome to Harbortide, {first}! I'm {admin} and I'll help you set up your store this week.",
    "Hi {first}, your trial ends in 3 days. Want a quick call to go over plans?",
    "Hey {first}, we noticed a failed payment on your account. Could you update the card?",
    "Hi {first}, following up on our call: here is the migration checklist we discussed.",
)
AUTOMATED_MESSAGES = (
    "New: bulk label printing is live 🎉 Print up to 100 labels at once from the Shipping page.",
    "Your weekly store digest is ready: orders, revenue and top products.",
    "How would you rate your experience with Harbortide so far?",
    "Tip: set low-stock alerts so you never run out of your best sellers.",
    "Join our webinar on holiday season fulfilment next Thursday.",
)
OPERATOR_MESSAGES = (
    "Hi there 👋 What can we help you with today?",
    "Before we connect you, which part of Harbortide is this about?",
)
SHORT_CUSTOMER_ACKS = ("Thanks!", "ok", "👍", "thx")

BOT_GREETINGS = (
    "Hi there 👋 I'm Fin, Harbortide's AI agent. How can I help?",
    "Hello! I can answer questions about orders, billing and shipping. What do you need?",
)
BOT_FOLLOW_UPS = (
    "Are you still there? I'll close this conversation for now.",
    "Here are some articles that might help: Getting started, Connecting channels.",
    "Was that helpful?",
)

# --- kept conversations without a theme -------------------------------------------------------------

GENERAL_INQUIRIES = (
    "Do you have a public status page I can follow?",
    "Where are your servers located? Our legal team is asking.",
    "Are you going to be at the ecommerce expo in Berlin this year?",
    "Do you have a press kit with logos we can use in a blog post?",
    "Is there a public roadmap somewhere?",
    "Who do I talk to about writing a case study with you?",
    "Are you hiring support people in Lisbon?",
    "Just wanted to say the new dashboard looks great, thanks team!",
)
SPAM_MESSAGES = (
    "Boost your Google ranking today! We offer premium SEO backlinks at 70% off, reply for a price list.",
    "Hello dear, I am a senior developer and can build your mobile app for cheap. WhatsApp me.",
    "Guaranteed crypto returns of 30% per week, limited slots, click here to invest now",
    "We sell verified email lists of 2 million online shoppers, contact sales@list-deals.example",
    "Want more Instagram followers? 10k real followers for $19, DM us",
    "Your website has 37 critical errors. Reply YES for a free audit from our expert team.",
)

# --- agent replies and follow-ups -----------------------------------------------------------------

ADMIN_REPLIES = (
    "Thanks for reaching out! Could you share a screenshot of what you see?",
    "Sorry about that. I've passed this to our engineers and will update you here.",
    "Thanks for the details, I can reproduce it on our side.",
    "Happy to help! Here's a guide that walks through it step by step.",
    "Could you tell me which browser and device you're using?",
    "I've fixed this on your account, could you try again?",
)
ADMIN_CLOSINGS = (
    "Closing this for now, just reply if anything else comes up.",
    "Glad we could sort it out! Have a great day.",
)
CUSTOMER_FOLLOW_UPS = (
    "Thanks, that worked!",
    "Still happening on my side unfortunately.",
    "Attached a screenshot of the error.",
    "Any update on this?",
)
CUSTOMER_DETAILS = ("Browser: {browser}", "Store: {store}", "Plan: {plan}", "Started {when}")
EMOJI = ("🙏", "😩", "😅", "🔥", "🤔", "❤️")

LONG_THREAD_CUSTOMER = (
    "Any news on this? It happened again today.",
    "Here is another example: order {order}.",
    "We tried again with {browser}, same result.",
    "Our team keeps running into this, it's costing us sales.",
)
LONG_THREAD_ADMIN = (
    "Thanks, I've added this example to the engineering ticket.",
    "Engineering is still investigating, I'll keep you posted.",
    "Could you try once more after clearing the cache?",
    "We deployed a partial fix, let us know if it still happens.",
)

# --- non-English conversations (kept, theme set) ------------------------------------------------------

TRANSLATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "shopify_store_connection_fails": {
        "de": (
            "Die Verbindung mit unserem Shopify-Shop schlägt ständig fehl.",
            "Shopify lässt sich nicht verbinden, es kommt immer ein Autorisierungsfehler.",
        ),
        "fr": (
            "La connexion à notre boutique Shopify échoue à chaque fois.",
            "Impossible de connecter Shopify, erreur d'autorisation.",
        ),
        "es": (
            "No puedo conectar mi tienda de Shopify, da error de autorización.",
            "La integración con Shopify se desconecta todo el tiempo.",
        ),
    },
    "order_status_stuck_processing": {
        "de": ("Unsere Bestellungen bleiben im Status 'in Bearbeitung' hängen.",),
        "fr": ("Les commandes restent bloquées en statut 'en traitement'.",),
        "es": ("Los pedidos se quedan atascados en 'procesando'.",),
    },
    "shipping_label_pdf_blank": {
        "de": ("Die Versandetiketten werden als leeres PDF gedruckt.",),
        "fr": ("Les étiquettes d'expédition s'impriment en PDF vide.",),
        "es": ("Las etiquetas de envío salen en blanco al imprimir.",),
    },
    "discount_code_not_applied": {
        "de": ("Der Rabattcode wird an der Kasse nicht angewendet.",),
        "fr": ("Le code promo n'est pas appliqué au panier.",),
        "es": ("El código de descuento no se aplica en el pago.",),
    },
    "two_factor_code_not_received": {
        "de": ("Ich bekomme den Bestätigungscode per SMS nicht.",),
        "fr": ("Je ne reçois pas le code de vérification par SMS.",),
        "es": ("No me llega el código de verificación por SMS.",),
    },
    "invoice_missing_vat_number": {
        "de": ("Auf unseren Rechnungen fehlt die USt-IdNr.",),
        "fr": ("Notre numéro de TVA n'apparaît pas sur les factures.",),
        "es": ("Nuestro número de IVA no aparece en las facturas.",),
    },
    "apple_pay_button_missing_at_checkout": {
        "de": ("Der Apple-Pay-Button ist aus unserem Checkout verschwunden.",),
        "fr": ("Le bouton Apple Pay a disparu de notre page de paiement.",),
        "es": ("El botón de Apple Pay ya no aparece en el checkout.",),
    },
}
LANGUAGES = ("de", "fr", "es")
