//! Refunds go back through the provider that took the money: a payment made
//! in the sandbox is refunded by the sandbox even after a switch to Midtrans.

use futures_util::future::BoxFuture;

use super::{gateway::SandboxGateway, midtrans::MidtransRefunds};
use crate::gateway::{PaymentGateway, RefundError, RefundRequest};

pub struct ProviderGateways {
    sandbox: SandboxGateway,
    midtrans: Option<MidtransRefunds>,
}

impl ProviderGateways {
    pub fn new(sandbox: SandboxGateway, midtrans: Option<MidtransRefunds>) -> ProviderGateways {
        ProviderGateways { sandbox, midtrans }
    }
}

impl PaymentGateway for ProviderGateways {
    fn refund(&self, request: RefundRequest) -> BoxFuture<'static, Result<String, RefundError>> {
        match (request.provider.as_str(), &self.midtrans) {
            ("midtrans", Some(midtrans)) => midtrans.refund(request),
            // Retried: the operator may configure the keys and restart.
            ("midtrans", None) => Box::pin(async {
                Err(RefundError::Transient(
                    "the payment was made through Midtrans, which is not configured (payments.midtrans)".into(),
                ))
            }),
            _ => self.sandbox.refund(request),
        }
    }
}
