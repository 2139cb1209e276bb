//! Streams over every item of a [`Paged`] method.
//!
//! Paging rewrites the method's serialized params (`start`, `order`,
//! `filter`), so it works for any [`Paged`] method.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::batch::{Batch, MAX_COMMANDS};
use crate::client::{json_text, params_of, Call, Client};
use crate::envelope::{self, Meta};
use crate::error::{Error, Result};
use crate::{lenient, Paged};

/// Items per page of a Bitrix24 list method.
pub const PAGE_SIZE: u64 = 50;

/// The largest `start` offset or `total` believed from a server: the
/// portal's offsets are 32-bit; anything larger stops the walk with
/// [`Error::Paging`] instead of paging (or allocating) towards it.
pub const MAX_OFFSET: u64 = i32::MAX as u64;

fn paging_error(method: &str, message: String) -> Error {
    Error::Paging {
        method: method.to_owned(),
        message,
    }
}

/// A stream of list items; it ends after the first error.
pub type ItemStream<T> = BoxStream<'static, Result<T>>;

fn flatten<T: Send + 'static>(
    pages: impl futures::Stream<Item = Result<Vec<T>>> + Send + 'static,
) -> ItemStream<T> {
    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// `v` as an object, replacing anything else (`null`, a PHP `[]`) by `{}`.
fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        // Not reachable: `v` was made an object above.
        other => {
            *other = Value::Object(Map::new());
            object(other)
        }
    }
}

impl Client {
    async fn page<M: Paged>(&self, params: &Value) -> Result<(Vec<M::Item>, Meta)> {
        let text = json_text(M::NAME, params)?;
        self.execute(Call::of::<M>(), &text, |raw| {
            envelope::decode_result::<M::Output>(M::NAME, raw.get()).map(M::into_items)
        })
        .await
    }

    /// Every item of `method`, page by page through `start`/`next`.
    ///
    /// One request per page of 50; the server counts `total` each time, so
    /// prefer [`Client::list_by_id`] for large exports.
    pub fn list<M: Paged + 'static>(&self, method: M) -> ItemStream<M::Item> {
        let client = self.clone();
        let params = params_of(&method);
        let pages = stream::try_unfold(Some(0u64), move |start| {
            let client = client.clone();
            let params = params.clone();
            async move {
                let Some(start) = start else { return Ok(None) };
                let mut params = params?;
                object(&mut params).insert("start".into(), start.into());
                let (items, meta) = client.page::<M>(&params).await?;
                if let Some(total) = meta.total.filter(|t| *t > MAX_OFFSET) {
                    return Err(paging_error(
                        M::NAME,
                        format!("`total` = {total} is beyond {MAX_OFFSET}"),
                    ));
                }
                let next = match meta.next {
                    None => None,
                    Some(n) if n <= start => {
                        return Err(paging_error(
                            M::NAME,
                            format!("`next` = {n} does not advance past `start` = {start}"),
                        ))
                    }
                    Some(n) if n > MAX_OFFSET || meta.total.is_some_and(|t| n >= t) => {
                        return Err(paging_error(
                            M::NAME,
                            format!(
                                "`next` = {n} is past the end (total {:?}, at most {MAX_OFFSET})",
                                meta.total
                            ),
                        ))
                    }
                    Some(n) => Some(n),
                };
                Ok(Some((items, next)))
            }
        });
        flatten(pages)
    }

    /// Every item of `method`, walking by ID without letting the server
    /// count: `order: {ID: ASC}`, `filter: {">ID": last}`, `start: -1`,
    /// until a page holds fewer than 50 items.
    ///
    /// `id_field` is the list's ID field as the method spells it (`"ID"`,
    /// or `"id"` for e.g. `crm.item.list`). The ID of each page's last item
    /// is read from the raw `result`: the list itself, or the one list inside
    /// it (such as `{"items": [...]}`). An existing `>ID` filter sets the
    /// starting point.
    pub fn list_by_id<M: Paged + 'static>(&self, method: M, id_field: &str) -> ItemStream<M::Item> {
        let client = self.clone();
        let id_field = id_field.to_owned();
        let gt = format!(">{id_field}");
        let params = params_of(&method).map(|mut p| {
            let root = object(&mut p);
            root.insert("start".into(), (-1).into());
            let mut order = Map::new();
            order.insert(id_field.clone(), "ASC".into());
            root.insert("order".into(), Value::Object(order));
            let filter = object(root.entry("filter").or_insert(Value::Null));
            filter.entry(gt.clone()).or_insert(0.into());
            p
        });
        let pages = stream::try_unfold(params.map(Some), move |params| {
            let client = client.clone();
            let id_field = id_field.clone();
            let gt = gt.clone();
            async move {
                let Some(mut params) = params? else {
                    return Ok(None);
                };
                let text = json_text(M::NAME, &params)?;
                let ((items, last), _) = client
                    .execute(Call::of::<M>(), &text, |raw| {
                        let last = last_id(M::NAME, raw, &id_field)?;
                        let out = envelope::decode_result::<M::Output>(M::NAME, raw.get())?;
                        Ok((M::into_items(out), last))
                    })
                    .await?;
                let next = match last {
                    Some(last) if items.len() as u64 >= PAGE_SIZE => {
                        if let Some(Value::Object(f)) = params.get_mut("filter") {
                            let prev = f.get(&gt).and_then(|v| lenient::int(v).ok());
                            if prev.is_some_and(|p| last <= p) {
                                return Err(paging_error(
                                    M::NAME,
                                    format!(
                                        "the last {id_field} of a page ({last}) is not above the \
                                         filter's `{gt}` ({}): the server ignores the filter",
                                        prev.unwrap_or_default()
                                    ),
                                ));
                            }
                            f.insert(gt, last.into());
                        }
                        Some(params)
                    }
                    _ => None,
                };
                Ok(Some((items, Ok(next))))
            }
        });
        flatten(pages)
    }

    /// Every item of `method` through `start`/`next`, fetching up to 50
    /// pages per request through `batch` once the first page has told the
    /// total.
    pub fn list_batched<M: Paged + 'static>(&self, method: M) -> ItemStream<M::Item> {
        /// The pages still to fetch: `start` = `next`, `next + step`, ...
        /// below `total`, computed as needed (never allocated up front).
        enum State {
            First,
            Rest { next: u64, step: u64, total: u64 },
        }
        let client = self.clone();
        let params = params_of(&method);
        let pages = stream::try_unfold(Some(State::First), move |state| {
            let client = client.clone();
            let params = params.clone();
            async move {
                let mut params = params?;
                match state {
                    None => Ok(None),
                    Some(State::First) => {
                        object(&mut params).insert("start".into(), 0.into());
                        let (items, meta) = client.page::<M>(&params).await?;
                        let state = match (meta.next, meta.total) {
                            (Some(step), Some(total)) if step > 0 => {
                                if total > MAX_OFFSET || step > MAX_OFFSET {
                                    return Err(paging_error(
                                        M::NAME,
                                        format!(
                                            "`total` = {total}, `next` = {step}: beyond {MAX_OFFSET}"
                                        ),
                                    ));
                                }
                                (step < total).then_some(State::Rest {
                                    next: step,
                                    step,
                                    total,
                                })
                            }
                            _ => None,
                        };
                        Ok(Some((items, state)))
                    }
                    Some(State::Rest { next, step, total }) => {
                        let mut batch = Batch::new().halt(true);
                        let mut handles = Vec::with_capacity(MAX_COMMANDS);
                        let mut start = next;
                        while start < total && handles.len() < MAX_COMMANDS {
                            object(&mut params).insert("start".into(), start.into());
                            let key = format!("p{}", handles.len());
                            handles.push(batch.push_value::<M>(key, Call::of::<M>(), &params)?);
                            start += step;
                        }
                        let results = client.batch(batch).await;
                        let mut items = Vec::new();
                        for h in &handles {
                            let out = results.get(h)?;
                            items.extend(M::into_items(out));
                        }
                        let state = (start < total).then_some(State::Rest {
                            next: start,
                            step,
                            total,
                        });
                        Ok(Some((items, state)))
                    }
                }
            }
        });
        flatten(pages)
    }
}

/// The ID of the last item in a raw list `result`.
fn last_id(method: &str, raw: &RawValue, id_field: &str) -> Result<Option<i64>> {
    let v: Value = serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: "result".into(),
        message: e.to_string(),
    })?;
    let list = match &v {
        Value::Array(a) => Some(a),
        Value::Object(o) => {
            let mut lists = o.values().filter_map(Value::as_array);
            match (lists.next(), lists.next()) {
                (Some(a), None) => Some(a),
                _ => None,
            }
        }
        _ => None,
    };
    let Some(last) = list.and_then(|l| l.last()) else {
        return Ok(None);
    };
    let id = last.get(id_field).ok_or_else(|| Error::Decode {
        method: method.to_owned(),
        path: format!("result[..].{id_field}"),
        message: "the last item has no ID field to continue the walk from".into(),
    })?;
    lenient::int(id).map(Some).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: format!("result[..].{id_field}"),
        message: e.to_string(),
    })
}
