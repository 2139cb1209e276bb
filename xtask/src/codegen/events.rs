//! The facade's `Event` enum: every generated event payload type, one
//! variant each behind its scope's feature, and `Other` for the rest.

use anyhow::{bail, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs;

/// One generated event: its scope module, name as sent, payload type.
#[derive(Debug, Clone)]
pub struct EventRef {
    /// The scope module and feature (`crm`).
    pub scope: String,
    /// The name as sent (`ONCRMDEALADD`).
    pub event: String,
    /// The payload type in `<scope>::events` (`OnCrmDealAdd`).
    pub type_name: String,
}

/// The file `bitrix24/src/event_enum.rs`.
pub fn event_enum(events: &[EventRef]) -> Result<TokenStream> {
    let mut seen = std::collections::BTreeMap::new();
    for e in events {
        if let Some(prev) = seen.insert(e.type_name.clone(), e.event.clone()) {
            bail!(
                "the events {prev} and {} both become the Rust type `{}`",
                e.event,
                e.type_name
            );
        }
    }
    let variants = events.iter().map(|e| {
        let scope = &e.scope;
        let s = format_ident!("{}", e.scope);
        let t = format_ident!("{}", e.type_name);
        let d = docs::attrs(&[format!(
            "{} ([`{scope}::events::{t}`](crate::{scope}::events::{t})), with the feature {}.",
            docs::code(&e.event),
            docs::code(&e.scope),
            scope = e.scope,
            t = e.type_name,
        )]);
        quote! {
            #[cfg(feature = #scope)]
            #d
            #t(crate::#s::events::#t),
        }
    });
    let names = events.iter().map(|e| {
        let scope = &e.scope;
        let t = format_ident!("{}", e.type_name);
        let name = &e.event;
        quote! {
            #[cfg(feature = #scope)]
            Event::#t(_) => #name,
        }
    });
    let decode = events.iter().map(|e| {
        let scope = &e.scope;
        let s = format_ident!("{}", e.scope);
        let t = format_ident!("{}", e.type_name);
        let name = &e.event;
        quote! {
            #[cfg(feature = #scope)]
            #name => <crate::#s::events::#t as ::bitrix24_runtime::EventPayload>::from_data(data).map(Event::#t),
        }
    });
    let listed = events.iter().map(|e| {
        let scope = &e.scope;
        let name = &e.event;
        quote! {
            #[cfg(feature = #scope)]
            names.push(#name);
        }
    });
    let encode = events.iter().map(|e| {
        let scope = &e.scope;
        let t = format_ident!("{}", e.type_name);
        quote! {
            #[cfg(feature = #scope)]
            Event::#t(data) => ::serde::Serialize::serialize(data, serializer),
        }
    });
    let count = events.len();
    let doc = docs::attrs(&[
        format!(
            "The `data` of an event, typed by the event's name: one variant for each of the {count}"
        ),
        "documented events whose scope feature is on, [`Event::Other`] for any other.".to_string(),
        String::new(),
        "Decode with [`EventData::from_event`](::bitrix24_runtime::EventData::from_event)"
            .to_string(),
        "(the `bitrix24-app` crate does it for a verified event); encode back to the".to_string(),
        "`data` as sent with `Serialize`.".to_string(),
    ]);
    Ok(quote! {
        //! The `Event` enum over every generated event payload.

        #doc
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event this build has no type for (its scope's feature is
            /// off, or the docs do not list it): its name, upper case, and
            /// `data` as sent.
            Other {
                /// The event's name, upper case.
                event: String,
                /// `data` as sent.
                data: ::serde_json::Value,
            },
        }

        impl Event {
            /// The event's name as sent, upper case (`ONCRMDEALADD`).
            pub fn name(&self) -> &str {
                match self {
                    #(#names)*
                    Event::Other { event, .. } => event,
                }
            }

            /// The names of the events this build types (those of the
            /// enabled scope features), in scope order: what
            /// `event.bind` takes.
            #[allow(clippy::vec_init_then_push)]
            pub fn names() -> Vec<&'static str> {
                #[allow(unused_mut)]
                let mut names = Vec::new();
                #(#listed)*
                names
            }
        }

        impl ::bitrix24_runtime::EventData for Event {
            fn from_event(event: &str, data: ::serde_json::Value) -> Result<Self, ::bitrix24_runtime::EventDataError> {
                let name = event.to_ascii_uppercase();
                match name.as_str() {
                    #(#decode)*
                    _ => Ok(Event::Other { event: name, data }),
                }
            }
        }

        impl ::serde::Serialize for Event {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#encode)*
                    Event::Other { data, .. } => ::serde::Serialize::serialize(data, serializer),
                }
            }
        }
    })
}
