//! JSON helpers shared by the files a run and a batch write.

use serde_json::Value as Json;

/// A number as JSON: whole numbers without a fraction.
pub(crate) fn number(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        (x as i64).into()
    } else {
        serde_json::Number::from_f64(x).map_or(Json::Null, Into::into)
    }
}
