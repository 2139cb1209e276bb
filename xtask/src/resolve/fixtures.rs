//! Small specs for the stage's unit tests.

use serde_json::Value;

use crate::spec::types::{Scalar, Type};
use crate::spec::{Field, MethodSpec, RestVersion};

pub(crate) fn spec(
    result: Field,
    example: Value,
    params: Vec<Field>,
    bodies: Vec<Value>,
) -> MethodSpec {
    MethodSpec {
        method: "demo.thing.get".into(),
        version: RestVersion::V2,
        scopes: vec![],
        url: String::new(),
        deprecated: false,
        paged: false,
        params,
        result: Some(result),
        errors: vec![],
        diagnostics: vec![],
        examples: vec![example],
        bodies,
    }
}

pub(crate) fn object(name: &str, fields: Vec<Field>) -> Field {
    Field {
        fields,
        ..Field::new(name, Type::Object)
    }
}

pub(crate) fn string(name: &str) -> Field {
    Field::new(name, Type::Scalar(Scalar::String))
}
