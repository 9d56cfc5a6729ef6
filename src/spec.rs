//! Command-line specs: `name` or `name:key=value,key=value`, deserialized into the same serde
//! enums as scene files, so names, keys, defaults and error messages agree everywhere.

use serde::de::DeserializeOwned;

/// Parses `spec` into `T` (an internally tagged enum with `kind`). `what` names the flag in
/// errors and `keys` lists the valid names.
pub fn parse<T: DeserializeOwned>(spec: &str, what: &str, keys: &[&str]) -> Result<T, String> {
    let (name, rest) = match spec.split_once(':') {
        Some((n, r)) => (n.trim(), Some(r)),
        None => (spec.trim(), None),
    };
    if !keys.contains(&name) {
        return Err(format!(
            "unknown {what} `{name}`; valid: {}",
            keys.join(", ")
        ));
    }
    let mut table = toml::Table::new();
    table.insert("kind".into(), toml::Value::String(name.into()));
    for pair in rest
        .into_iter()
        .flat_map(|r| r.split(','))
        .filter(|p| !p.trim().is_empty())
    {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{what} `{name}`: expected key=value, got `{pair}`"))?;
        let key = key.trim();
        table.insert(key.into(), scalar(value.trim()));
    }
    T::deserialize(toml::Value::Table(table)).map_err(|e| {
        format!(
            "{what} `{name}`: {}",
            e.to_string().trim_end().replace('\n', " ")
        )
    })
}

/// Reads a value as a boolean, an integer or a float, and otherwise keeps the text (which then
/// fails to deserialize into a number with a message that quotes it).
fn scalar(v: &str) -> toml::Value {
    match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => {
            if let Ok(i) = v.parse::<i64>() {
                toml::Value::Integer(i)
            } else if let Ok(f) = v.parse::<f64>() {
                toml::Value::Float(f)
            } else {
                toml::Value::String(v.into())
            }
        }
    }
}

/// Parses a comma-separated list of numbers, such as a start point `-1.5,2`.
pub fn numbers(s: &str, what: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|p| {
            let p = p.trim();
            p.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what}: `{p}` is not a finite number"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Method;

    #[test]
    fn parses_methods_with_defaults() {
        let m: Method = parse("adam:lr=0.01,beta1=0.8", "optimizer", Method::keys()).unwrap();
        let Method::Adam(c) = m else {
            panic!("not adam: {m:?}")
        };
        assert_eq!((c.lr, c.beta1, c.beta2), (0.01, 0.8, 0.999));
        let m: Method = parse("sgd:lr=1,nesterov=true", "optimizer", Method::keys()).unwrap();
        let Method::Sgd(c) = m else {
            panic!("not sgd: {m:?}")
        };
        assert!(c.nesterov && c.lr == 1.0);
    }

    #[test]
    fn errors_name_the_valid_choices() {
        let e = parse::<Method>("adma", "optimizer", Method::keys()).unwrap_err();
        assert!(
            e.contains("unknown optimizer `adma`") && e.contains("adam"),
            "{e}"
        );
        let e = parse::<Method>("adam:betta=0.9", "optimizer", Method::keys()).unwrap_err();
        assert!(e.contains("betta") && e.contains("beta1"), "{e}");
        let e = parse::<Method>("adam:lr=fast", "optimizer", Method::keys()).unwrap_err();
        assert!(e.contains("fast"), "{e}");
        assert!(numbers("1,x", "--start").is_err());
        assert_eq!(numbers("-1.5, 2", "--start").unwrap(), vec![-1.5, 2.0]);
    }
}
