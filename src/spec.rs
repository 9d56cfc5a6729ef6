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
        .flat_map(split_pairs)
        .filter(|p| !p.trim().is_empty())
    {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{what} `{name}`: expected key=value, got `{pair}`"))?;
        let key = key.trim();
        table.insert(key.into(), scalar(value.trim()));
    }
    T::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
        let message = e.to_string().trim_end().replace('\n', " ");
        // serde names an unknown choice but not its key: find the key it was given for.
        let key = message
            .split_once("unknown variant `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .and_then(|(variant, _)| {
                table.iter().find_map(|(k, v)| {
                    (k != "kind" && v.as_str() == Some(variant)).then(|| k.clone())
                })
            });
        match key {
            Some(k) => format!("{what} `{name}`: `{k}`: {message}"),
            None => format!("{what} `{name}`: {message}"),
        }
    })
}

/// Splits `key=value,key=value` at the commas outside parentheses, so that a formula's
/// `min(x, y)` stays one value.
fn split_pairs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth <= 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
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

    crate::params! {
        /// A test kind.
        pub struct FastConfig {
            /// A rate.
            lr: f64 = 0.1, "rate", (0.0, 1.0), Linear, Positive, live;
            /// A second rate.
            beta1: f64 = 0.9, "β₁", (0.0, 1.0), Linear, Finite, live;
            /// A switch.
            nesterov: bool = false, "switch", (0, 1), Linear, Finite, restart;
        }
    }

    /// Test kinds, tagged as the registries tag theirs.
    #[derive(Debug, serde::Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Kind {
        Fast(FastConfig),
        Slow(FastConfig),
    }

    const KEYS: &[&str] = &["fast", "slow"];

    #[test]
    fn parses_kinds_with_defaults() {
        let k: Kind = parse("fast:lr=0.01,beta1=0.8", "optimizer", KEYS).unwrap();
        let Kind::Fast(c) = k else {
            panic!("not fast: {k:?}")
        };
        assert_eq!((c.lr, c.beta1, c.nesterov), (0.01, 0.8, false));
        let k: Kind = parse("slow:lr=1,nesterov=true", "optimizer", KEYS).unwrap();
        let Kind::Slow(c) = k else {
            panic!("not slow: {k:?}")
        };
        assert!(c.nesterov && c.lr == 1.0);
    }

    #[test]
    fn errors_name_the_valid_choices() {
        let e = parse::<Kind>("fats", "optimizer", KEYS).unwrap_err();
        assert!(
            e.contains("unknown optimizer `fats`") && e.contains("fast, slow"),
            "{e}"
        );
        let e = parse::<Kind>("fast:betta=0.9", "optimizer", KEYS).unwrap_err();
        assert!(e.contains("betta") && e.contains("beta1"), "{e}");
        let e = parse::<Kind>("fast:lr=quick", "optimizer", KEYS).unwrap_err();
        assert!(e.contains("quick"), "{e}");
        assert!(numbers("1,x", "--start").is_err());
        assert_eq!(
            split_pairs("f=min(x,y)+max(1,(x,y)),lr=0.1"),
            vec!["f=min(x,y)+max(1,(x,y))", "lr=0.1"]
        );
        assert_eq!(numbers("-1.5, 2", "--start").unwrap(), vec![-1.5, 2.0]);
    }
}
