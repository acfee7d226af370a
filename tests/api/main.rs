//! End-to-end tests over HTTP against the whole system in-process.

// Test code: a panic on an unexpected answer is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod abuse;
mod headers;
mod helpers;
mod hoarding;
mod idle;

mod audit;
mod auditoriums;
mod authorization;
mod backup;
mod bad_input;
mod blocked_seats;
mod catalog_admin;
mod cinema_time;
mod expiry;
mod fault_proxy;
mod journey;
mod live;
mod mail;
mod midtrans;
mod midtrans_standin;
mod notifications;
mod offers;
mod openapi;
mod proxies;
mod race;
mod refunds;
mod refunds_amqp;
mod reports;
mod restart;
mod sandbox;
mod seating;
mod sessions;
mod showtimes_admin;
mod smtp;
mod staff;
