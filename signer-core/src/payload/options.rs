//! What the caller knows about its participant ([`Options`]): which conditional fields its
//! requests must carry.

/// What the caller knows about its participant: which conditional fields its requests must
/// carry. The default is none of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Options {
    /// PayPal-enabled: Session Create's `recipient_information.email_address` is required.
    pub paypal_enabled: bool,
    /// Uses sender data: push to card's `sender` is required.
    pub uses_sender_data: bool,
    /// Uses the ledger service: push to card's `ledger` is required.
    pub ledger_service: bool,
    /// Retail card-present: push to card's `store_id`, `terminal_id` and `clerk_id` are
    /// required.
    pub retail_card_present: bool,
}

impl Options {
    /// No conditional field required.
    pub const fn new() -> Self {
        Self {
            paypal_enabled: false,
            uses_sender_data: false,
            ledger_service: false,
            retail_card_present: false,
        }
    }

    /// The same options, PayPal-enabled.
    pub const fn with_paypal_enabled(self) -> Self {
        Self {
            paypal_enabled: true,
            ..self
        }
    }

    /// The same options, using sender data.
    pub const fn with_sender_data(self) -> Self {
        Self {
            uses_sender_data: true,
            ..self
        }
    }

    /// The same options, using the ledger service.
    pub const fn with_ledger_service(self) -> Self {
        Self {
            ledger_service: true,
            ..self
        }
    }

    /// The same options, retail card-present.
    pub const fn with_retail_card_present(self) -> Self {
        Self {
            retail_card_present: true,
            ..self
        }
    }
}
