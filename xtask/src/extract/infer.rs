//! Types inferred from an example JSON value, for pages that show a response
//! but no returned-data table.

use serde_json::Value;

use crate::spec::types::{Scalar, Type};
use crate::spec::Field;

/// Nesting depth past which inferred objects are left as `object`.
const MAX_DEPTH: usize = 6;

/// The type of a JSON value, with the fields of the object it contains.
pub fn infer(value: &Value) -> (Type, Vec<Field>) {
    infer_at(value, 0)
}

fn infer_at(value: &Value, depth: usize) -> (Type, Vec<Field>) {
    match value {
        Value::Null => (Type::Any, Vec::new()),
        Value::Bool(_) => (Type::Scalar(Scalar::Boolean), Vec::new()),
        Value::Number(n) if n.is_i64() || n.is_u64() => (Type::Scalar(Scalar::Integer), Vec::new()),
        Value::Number(_) => (Type::Scalar(Scalar::Double), Vec::new()),
        Value::String(_) => (Type::Scalar(Scalar::String), Vec::new()),
        Value::Array(items) => match items.first() {
            None => (Type::Array(Box::new(Type::Any)), Vec::new()),
            Some(first) => {
                let (ty, fields) = infer_at(first, depth + 1);
                (Type::Array(Box::new(ty)), fields)
            }
        },
        Value::Object(map) => {
            if depth >= MAX_DEPTH {
                return (Type::Object, Vec::new());
            }
            let fields = map
                .iter()
                .map(|(k, v)| {
                    let (ty, fields) = infer_at(v, depth + 1);
                    Field {
                        fields,
                        ..Field::new(k.clone(), ty)
                    }
                })
                .collect();
            (Type::Object, fields)
        }
    }
}
