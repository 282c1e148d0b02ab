"""The fictional product behind the synthetic inbox: Harbortide, a commerce back office for online shops.

Plain data only. Each :class:`Theme` is one specific problem that a single fix (or a single answer)
resolves; its phrasings are templates whose ``{slots}`` the generator fills from :data:`SLOTS`,
so that two conversations of one theme rarely read the same. ``weight`` gives the skewed
popularity real inboxes show (a few themes dominate, many are rare). :data:`SPIKE_THEME` is the
theme the generator concentrates in the most recent two weeks: the planted rising theme.
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCT_NAME = "Harbortide"
PRODUCT_DOMAIN = "app.harbortide.example"

CATEGORIES = (
    "product_issue",
    "how_to_question",
    "feature_request",
    "account_issue",
    "billing_question",
    "configuration_help",
    "general_inquiry",
)
SPAM_CATEGORY = "spam"


@dataclass(frozen=True, slots=True)
class ProductArea:
    key: str
    name: str
    path: str
    """URL path prefix of the area's pages, e.g. ``/app/billing``."""
    pages: tuple[str, ...]
    """Page suffixes under ``path`` a customer may write from."""


@dataclass(frozen=True, slots=True)
class Theme:
    signature: str
    title: str
    area: str
    category: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    weight: int
    """Relative frequency among themed conversations."""


AREAS: tuple[ProductArea, ...] = (
    ProductArea(
        "billing", "Billing and plans", "/app/billing", ("", "/invoices", "/plan", "/payment-methods")
    ),
    ProductArea(
        "integrations", "Integrations", "/app/integrations", ("", "/shopify", "/woocommerce", "/api-keys")
    ),
    ProductArea("orders", "Orders", "/app/orders", ("", "/export", "/refunds", "/notifications")),
    ProductArea("inventory", "Inventory", "/app/inventory", ("", "/import", "/alerts", "/locations")),
    ProductArea(
        "storefront", "Storefront and checkout", "/app/storefront", ("", "/checkout", "/domains", "/editor")
    ),
    ProductArea("shipping", "Shipping", "/app/shipping", ("", "/labels", "/rates", "/zones")),
    ProductArea("reports", "Reports", "/app/reports", ("", "/dashboard", "/scheduled", "/builder")),
    ProductArea("account", "Account and team", "/app/settings", ("/team", "/security", "/profile", "/sso")),
)
AREAS_BY_KEY = {area.key: area for area in AREAS}

SLOTS: dict[str, tuple[str, ...]] = {
    "store": (
        "Maple & Moss",
        "Urban Kite",
        "Bluefin Supply",
        "Copper Kettle Co",
        "Nordlys Knits",
        "Petal Post",
    ),
    "browser": ("Chrome", "Safari", "Firefox", "Edge"),
    "n": ("2", "3", "5", "12", "40", "a few"),
    "order": ("#10482", "#20931", "#4417", "#88120", "#3079"),
    "carrier": ("UPS", "USPS", "DHL", "FedEx", "Royal Mail"),
    "plan": ("Growth", "Scale", "Starter", "Pro"),
    "country": ("Germany", "Canada", "Australia", "France", "Japan", "the UK"),
    "when": (
        "since yesterday",
        "since this morning",
        "for two days now",
        "since the last update",
        "all week",
    ),
    "amount": ("$49", "$129", "$299", "€89", "$19.99"),
    "device": ("iPhone", "Android phone", "iPad", "MacBook"),
}

_T = Theme

THEMES: tuple[Theme, ...] = (
    # --- billing ---
    _T(
        "card_declined_on_plan_upgrade",
        "Card declined when upgrading the plan",
        "billing",
        "billing_question",
        (
            "I'm trying to upgrade to {plan} but my card keeps getting declined, bank says nothing was blocked",
            "Upgrade to the {plan} plan fails with 'card declined' {when}. Card works everywhere else.",
            "why is my credit card declined on the upgrade page? tried {n} times",
            "Payment declined when I switch to {plan}. Is there another way to pay for the upgrade?",
            "We want to move {store} to {plan} but the checkout says the card was refused",
            "Can't upgrade, it just says your card was declined. Our card is a business Amex",
        ),
        ("declined", "card", "upgrade", "payment"),
        9,
    ),
    _T(
        "invoice_missing_vat_number",
        "VAT number missing on invoices",
        "billing",
        "billing_question",
        (
            "Our VAT ID doesn't show up on the invoices, accounting needs it for {country}",
            "How do I get our VAT number printed on the invoice? It's saved in billing settings",
            "The last {n} invoices have no VAT number on them even though we entered it",
            "Invoice PDF is missing the company VAT registration, please reissue",
            "our tax number is not on the invoice for {amount}, can you add it?",
            "Need invoices with our VAT number for {store}, the field seems to be ignored",
        ),
        ("vat", "invoice", "tax number"),
        6,
    ),
    _T(
        "double_charged_after_plan_change",
        "Charged twice after changing plan",
        "billing",
        "billing_question",
        (
            "We were charged twice this month after switching plans, {amount} two times",
            "I see two charges of {amount} on my statement after downgrading to {plan}",
            "double charge!! changed plan yesterday and got billed twice",
            "Why did you bill us twice? We only changed from Starter to {plan}",
            "There's a duplicate payment on our card after the plan change, please refund one",
            "Billing took {amount} twice on the same day for {store}",
        ),
        ("charged twice", "duplicate charge", "billed twice"),
        7,
    ),
    _T(
        "annual_plan_refund_request",
        "Refund for an unused annual plan",
        "billing",
        "billing_question",
        (
            "We are closing {store}, can we get a refund for the rest of the annual plan?",
            "Is it possible to get a pro-rated refund on our yearly subscription?",
            "I paid annually by mistake, I wanted monthly. Can you refund the difference?",
            "Requesting a refund of the annual {plan} plan, we never used it",
            "how do refunds work for yearly plans if we cancel after {n} months?",
            "Please cancel our annual subscription and refund the unused months",
        ),
        ("refund", "annual", "yearly", "cancel"),
        4,
    ),
    # --- integrations ---
    _T(
        "shopify_store_connection_fails",
        "Shopify store connection fails",
        "integrations",
        "product_issue",
        (
            "Connecting our Shopify store fails with 'authorization error' {when}",
            "Shopify integration keeps disconnecting, I reconnect and it fails again",
            "I can't connect {store} Shopify shop, the install screen loops back to the login",
            "shopify connection failed, error 'shop not permitted'. tried in {browser} too",
            "Our Shopify sync stopped and reconnecting shows 'invalid shop domain'",
            "The Shopify app won't link to our account, spinner forever then a generic error",
        ),
        ("shopify", "connect", "authorization", "disconnect"),
        30,
    ),
    _T(
        "woocommerce_orders_not_syncing",
        "WooCommerce orders not syncing",
        "integrations",
        "product_issue",
        (
            "New WooCommerce orders are not coming into Harbortide {when}",
            "Woo orders stopped syncing, last one imported was {order}",
            "our woocommerce store shows {n} orders that never appeared in your dashboard",
            "WooCommerce webhook seems dead, orders don't sync anymore",
            "Orders from WooCommerce only sync when I press 'resync' manually",
            "Is the WooCommerce sync down? {store} orders are missing since Monday",
        ),
        ("woocommerce", "sync", "webhook", "orders missing"),
        16,
    ),
    _T(
        "quickbooks_export_duplicates_invoices",
        "QuickBooks export duplicates invoices",
        "integrations",
        "product_issue",
        (
            "Every order gets exported to QuickBooks twice, our books are a mess",
            "QuickBooks shows duplicate invoices for the same order {order}",
            "the QBO export created {n} duplicate sales receipts overnight",
            "Why does the QuickBooks integration push each invoice two times?",
            "Duplicated invoices in QuickBooks Online after the nightly sync",
            "Our accountant found double entries from your QuickBooks connector",
        ),
        ("quickbooks", "duplicate", "export", "invoice"),
        8,
    ),
    _T(
        "how_to_generate_api_key",
        "How to create an API key",
        "integrations",
        "how_to_question",
        (
            "Where do I create an API key for our developer?",
            "how can I generate an API token to connect our own app?",
            "Our dev needs API access, where are the API keys in settings?",
            "Can you tell me how to make a new API key? The old one leaked",
            "Is there a way to create a read-only API key for {store}?",
            "Looking for the page where I get API credentials",
        ),
        ("api key", "token", "developer"),
        10,
    ),
    _T(
        "zapier_integration_request",
        "Request: Zapier integration",
        "integrations",
        "feature_request",
        (
            "Do you have a Zapier integration? Would love to automate our order alerts",
            "Please add Zapier support, we want to send new orders to Slack",
            "Any plans for a Zapier app? Lots of us would use it",
            "Feature request: Zapier or Make triggers for new orders and refunds",
            "It would be great if Harbortide worked with Zapier",
            "We need Zapier to connect {store} with our CRM, is it on the roadmap?",
        ),
        ("zapier", "automation", "make"),
        5,
    ),
    # --- orders ---
    _T(
        "order_export_csv_missing_columns",
        "Order CSV export lacks columns",
        "orders",
        "product_issue",
        (
            "The order CSV export has no SKU or customer phone columns anymore",
            "Exported orders CSV is missing the shipping address columns {when}",
            "order export csv only has {n} columns, where did the tax column go?",
            "Our order export lost the discount code column after your update",
            "CSV export of orders is incomplete, line item columns are gone",
            "Why doesn't the order export include the customer email any more?",
        ),
        ("csv", "export", "columns"),
        11,
    ),
    _T(
        "how_to_issue_partial_refund",
        "How to refund part of an order",
        "orders",
        "how_to_question",
        (
            "How do I refund just one item from order {order}?",
            "Is it possible to issue a partial refund? Customer returned {n} of the items",
            "how to refund only the shipping cost on an order",
            "I need to refund {amount} of an order, not the whole thing. How?",
            "Can I do a partial refund from the order page or only full refunds?",
            "Customer wants money back for one product, how do I refund part of the order?",
        ),
        ("partial refund", "refund item", "refund"),
        12,
    ),
    _T(
        "order_status_stuck_processing",
        "Orders stuck in processing",
        "orders",
        "product_issue",
        (
            "Orders are stuck on 'processing' and never move to fulfilled {when}",
            "Order {order} has been processing for {n} days, can't fulfil it",
            "stuck orders! status won't change from processing",
            "Several orders remain in processing after we shipped them",
            "Why are my paid orders stuck in processing state?",
            "Can't mark orders as shipped, they stay stuck at processing",
        ),
        ("processing", "stuck", "status"),
        14,
    ),
    _T(
        "duplicate_order_confirmation_emails",
        "Customers get duplicate confirmation emails",
        "orders",
        "product_issue",
        (
            "Our customers receive the order confirmation email twice",
            "Customer complained she got {n} confirmation emails for order {order}",
            "duplicate order confirmation emails going out {when}",
            "Every buyer gets two 'thanks for your order' emails, how to stop it?",
            "Order notifications are sent twice to shoppers of {store}",
            "Why are confirmation emails duplicated? Customers think they were charged twice",
        ),
        ("confirmation email", "duplicate", "notification"),
        9,
    ),
    # --- inventory ---
    _T(
        "inventory_negative_after_sync",
        "Stock goes negative after a sync",
        "inventory",
        "product_issue",
        (
            "Inventory shows negative stock after the sync, -{n} for some products",
            "Stock levels went below zero after syncing with our store",
            "why does inventory show -3 units? We never oversold",
            "After the nightly sync several SKUs show negative quantities",
            "Negative inventory counts everywhere {when}",
            "Our stock numbers are wrong and negative after connecting the second channel",
        ),
        ("negative", "stock", "inventory", "sync"),
        10,
    ),
    _T(
        "product_csv_import_rejects_accents",
        "Product CSV import fails on accented characters",
        "inventory",
        "product_issue",
        (
            "Product import fails on names with accents like 'Crème' or 'Café'",
            "CSV import says 'invalid file' but only when product names have é or ü",
            "Our product csv from Excel won't import, error on row {n} with special characters",
            "Import breaks on umlauts, names come out as garbage symbols",
            "Bulk product upload rejects accented characters in titles",
            "Can't import our catalogue, the French product names make it fail",
        ),
        ("import", "csv", "accents", "encoding", "utf-8"),
        7,
    ),
    _T(
        "how_to_set_low_stock_alert",
        "How to set low-stock alerts",
        "inventory",
        "how_to_question",
        (
            "How do I get an alert when a product is running low?",
            "Is there a way to be notified when stock drops below {n} units?",
            "how to set up low stock notifications per product",
            "Where are low inventory alerts configured?",
            "I want an email when any SKU gets under 5 pieces, possible?",
            "Can Harbortide warn me before we run out of stock?",
        ),
        ("low stock", "alert", "notification", "threshold"),
        8,
    ),
    _T(
        "multi_warehouse_stock_request",
        "Request: stock per warehouse",
        "inventory",
        "feature_request",
        (
            "We have {n} warehouses, please let us track stock per location",
            "Feature request: multi-location inventory",
            "Would be great to split inventory between our two warehouses",
            "Any plans to support multiple warehouses? We ship from {country} too",
            "Please add per-warehouse stock levels, it's the one thing we miss",
            "Can you build multi warehouse support? Right now we use spreadsheets",
        ),
        ("warehouse", "multi-location", "location"),
        5,
    ),
    # --- storefront ---
    _T(
        "apple_pay_button_missing_at_checkout",
        "Apple Pay button missing at checkout",
        "storefront",
        "product_issue",
        (
            "The Apple Pay button disappeared from our checkout {when}",
            "Customers on {device} no longer see Apple Pay at checkout",
            "apple pay missing on checkout page, it was there last week",
            "Apple Pay option is gone from {store} checkout, sales are dropping",
            "Checkout doesn't show Apple Pay anymore even though it's enabled",
            "Is Apple Pay broken? Button not showing in {browser} on {device}",
        ),
        ("apple pay", "checkout", "button", "wallet"),
        4,
    ),
    _T(
        "custom_domain_ssl_pending",
        "Custom domain stuck on SSL pending",
        "storefront",
        "configuration_help",
        (
            "I connected our custom domain but SSL has been pending for {n} days",
            "Domain shows 'certificate pending' and the store isn't secure",
            "how long does the SSL take for a custom domain? still pending",
            "Our DNS is set but the SSL certificate never gets issued",
            "Custom domain setup: which CNAME do I need? SSL stays pending",
            "{store} domain shows 'not secure', SSL provisioning stuck",
        ),
        ("domain", "ssl", "dns", "certificate"),
        9,
    ),
    _T(
        "discount_code_not_applied",
        "Discount codes not applied at checkout",
        "storefront",
        "product_issue",
        (
            "Discount code is accepted but the price doesn't change at checkout",
            "Our promo code SUMMER20 isn't applying to the cart",
            "customers say the coupon code does nothing {when}",
            "Discount codes don't work on sale items, is that a bug?",
            "The checkout says 'code applied' but total stays at {amount}",
            "Promo codes stopped working in {store} checkout",
        ),
        ("discount", "coupon", "promo code"),
        13,
    ),
    _T(
        "theme_editor_blank_in_safari",
        "Theme editor blank in Safari",
        "storefront",
        "product_issue",
        (
            "The storefront editor is just a blank white page in Safari",
            "Theme editor won't load on my Mac in Safari, works in Chrome",
            "editor blank screen {when}, using Safari",
            "I can't edit my store design, the editor stays empty on {device}",
            "Theme customizer shows nothing in Safari 17",
            "Storefront editor not loading in Safari, just white",
        ),
        ("editor", "safari", "blank"),
        6,
    ),
    _T(
        "gift_card_support_request",
        "Request: gift cards",
        "storefront",
        "feature_request",
        (
            "Can we sell gift cards in our store? Please add it",
            "Feature request: digital gift cards",
            "Are gift cards on the roadmap? Our customers keep asking",
            "Would love to offer gift vouchers for the holidays",
            "Do you plan to support gift cards at checkout?",
            "Please build gift cards, we'd upgrade to {plan} for it",
        ),
        ("gift card", "voucher"),
        4,
    ),
    # --- shipping ---
    _T(
        "shipping_label_pdf_blank",
        "Shipping labels print blank",
        "shipping",
        "product_issue",
        (
            "{carrier} labels come out as a blank PDF",
            "The shipping label PDF is empty when I print it",
            "Labels print blank pages {when}",
            "I bought a {carrier} label but the download is an empty page",
            "Printing labels gives a white page, tried {browser} and another printer",
            "shipping label is blank, can't send order {order}",
        ),
        ("label", "pdf", "blank", "print"),
        12,
    ),
    _T(
        "configure_free_shipping_threshold",
        "Setting up free shipping over an amount",
        "shipping",
        "configuration_help",
        (
            "How do I set free shipping for orders over {amount}?",
            "Need help configuring free shipping above a minimum order value",
            "where is the setting for free shipping threshold?",
            "Can I offer free shipping only in {country} above a certain amount?",
            "Set up free delivery over $50, which shipping rule do I use?",
            "Free shipping rule isn't configured right, help me set the minimum",
        ),
        ("free shipping", "threshold", "minimum order"),
        7,
    ),
    _T(
        "international_shipping_rates_wrong",
        "International shipping rates calculated wrong",
        "shipping",
        "product_issue",
        (
            "Shipping rates to {country} are way too high at checkout",
            "International rates are calculated wrong, customer was charged {amount} shipping",
            "the {carrier} rate for {country} doesn't match what we set",
            "Checkout shows domestic rates for international addresses",
            "International shipping price is wrong for orders to {country}",
            "Rates for overseas orders don't follow our shipping zones",
        ),
        ("international", "rates", "zone", "shipping cost"),
        6,
    ),
    # --- reports ---
    _T(
        "dashboard_revenue_timezone_mismatch",
        "Revenue dashboard off by a day (timezone)",
        "reports",
        "product_issue",
        (
            "Dashboard revenue doesn't match our bank, looks like a timezone issue",
            "Sales for yesterday show up under today on the dashboard",
            "revenue numbers differ from the orders page by {amount}",
            "Daily totals in reports are shifted by a few hours",
            "Reports count late-night orders on the wrong day",
            "Our dashboard says different revenue than the CSV export for the same day",
        ),
        ("revenue", "dashboard", "timezone", "mismatch"),
        8,
    ),
    _T(
        "scheduled_report_email_not_received",
        "Scheduled report emails not arriving",
        "reports",
        "product_issue",
        (
            "Our weekly scheduled report email stopped arriving",
            "I set up a daily sales report but never receive the email",
            "scheduled reports are not being delivered {when}",
            "The Monday report email didn't come for {n} weeks",
            "Where did the scheduled report go? Nothing in inbox or spam",
            "Report subscriptions don't send anything anymore",
        ),
        ("scheduled report", "email", "not received"),
        5,
    ),
    _T(
        "custom_report_builder_request",
        "Request: custom report builder",
        "reports",
        "feature_request",
        (
            "Please let us build our own reports with custom fields",
            "Feature request: a custom report builder",
            "Would love to create reports by product category and {country}",
            "Can you add custom metrics to reports? The presets aren't enough",
            "We need pivot-style custom reports, any plans?",
            "Is a report builder coming? We export to Excel for everything",
        ),
        ("report builder", "custom report"),
        4,
    ),
    # --- account ---
    _T(
        "two_factor_code_not_received",
        "Two-factor code never arrives",
        "account",
        "account_issue",
        (
            "I don't receive the 2FA code by SMS, locked out",
            "Two-factor authentication code never arrives on my {device}",
            "can't log in, the verification code doesn't come",
            "The 2FA text message is not delivered {when}",
            "Lost access, 2FA code not coming and backup codes are gone",
            "Login code not received, tried {n} times",
        ),
        ("2fa", "two-factor", "code", "locked out"),
        11,
    ),
    _T(
        "teammate_invite_link_expired",
        "Teammate invitation link expired",
        "account",
        "account_issue",
        (
            "My colleague's invite link says expired, can you resend?",
            "Invitation email to join our team shows 'link expired'",
            "the team invite expired before she could accept it",
            "New teammate can't join, invite link invalid",
            "Invite link for {store} workspace doesn't work anymore",
            "How do I reinvite someone whose invitation expired?",
        ),
        ("invite", "expired", "teammate"),
        7,
    ),
    _T(
        "transfer_account_ownership",
        "Transfer account ownership",
        "account",
        "account_issue",
        (
            "Our founder left, how do we transfer account ownership to me?",
            "Need to change the account owner of {store}",
            "how to make another admin the owner of the account",
            "Please move ownership of our workspace to my colleague",
            "The owner email is an old employee, can you transfer it?",
            "Transfer the account to a new owner, what do you need from us?",
        ),
        ("owner", "ownership", "transfer"),
        5,
    ),
    _T(
        "sso_saml_setup_help",
        "Setting up SAML single sign-on",
        "account",
        "configuration_help",
        (
            "Need help setting up SAML SSO with Okta",
            "Our Azure AD SSO setup fails with 'invalid audience'",
            "which ACS URL and entity ID do I use for SAML?",
            "SSO login loops back to the sign-in page after Okta",
            "How to configure single sign-on for the team?",
            "Google Workspace SSO: what metadata do you need?",
        ),
        ("sso", "saml", "okta", "single sign-on"),
        5,
    ),
    _T(
        "gdpr_account_deletion_request",
        "Delete account and data (GDPR)",
        "account",
        "account_issue",
        (
            "Please delete our account and all data under GDPR",
            "I want my personal data erased, how do I request deletion?",
            "how can we close the account and remove all customer data?",
            "GDPR request: delete everything about {store}",
            "Delete my account please, we stopped selling",
            "We need a data deletion confirmation for our customers in {country}",
        ),
        ("delete", "gdpr", "erase", "data"),
        4,
    ),
    _T(
        "agency_partner_program_question",
        "Agency partner program",
        "account",
        "general_inquiry",
        (
            "Do you have a partner program for agencies?",
            "We build stores for clients, is there an agency discount?",
            "how do we become a Harbortide partner?",
            "Can an agency manage {n} client stores from one login?",
            "Looking for info on your reseller or partner program",
            "Is there a referral commission for agencies?",
        ),
        ("partner", "agency", "reseller"),
        3,
    ),
    _T(
        "android_app_request",
        "Request: Android app",
        "account",
        "feature_request",
        (
            "When will there be an Android app?",
            "Please release the mobile app for Android too",
            "Feature request: Android app for order notifications",
            "The iOS app is great, my team is on Android though",
            "Any plans for Android? We manage {store} from phones",
            "Android app please! Can't use the iPhone one",
        ),
        ("android", "mobile app"),
        4,
    ),
)
THEMES_BY_SIGNATURE = {theme.signature: theme for theme in THEMES}

SPIKE_THEME = "apple_pay_button_missing_at_checkout"
"""The planted rising theme: rare overall, concentrated in the last :data:`SPIKE_DAYS` days."""
SPIKE_DAYS = 14


def area_of(theme: Theme) -> ProductArea:
    return AREAS_BY_KEY[theme.area]
