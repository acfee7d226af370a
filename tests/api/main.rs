//! End-to-end tests over HTTP against the whole system in-process.

mod helpers;

mod authorization;
mod bad_input;
mod expiry;
mod fault_proxy;
mod journey;
mod live;
mod mail;
mod notifications;
mod openapi;
mod race;
mod refunds;
mod refunds_amqp;
mod restart;
mod smtp;
