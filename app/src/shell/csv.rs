//! CSV for exports (meetings now, the points ledger next): RFC 4180 quoting, a BOM so Excel
//! reads UTF-8 Chinese, and cells that a spreadsheet would run as formulas defused.

/// A plain decimal number, such as a deduction of −3: a spreadsheet reads it as a number,
/// never a formula, so it is left as it is and sums count it.
fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// One cell, quoted when needed.
pub fn field(value: &str) -> String {
    // `=`, `+`, `-`, `@` (and tab/CR) at the start make Excel and WPS evaluate a formula.
    let formula_like = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let defused = if formula_like && !is_plain_number(value) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// A whole document: header row first, CRLF line ends, BOM in front.
pub fn document<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let mut s = cells.collect::<Vec<_>>().join(",");
        s.push_str("\r\n");
        s
    };
    out.push_str(&line(&mut header.iter().map(|h| field(h))));
    for row in rows {
        out.push_str(&line(&mut row.as_ref().iter().map(|c| field(c))));
    }
    out
}

/// The HTTP answer of an export: the document as a UTF-8 CSV download named `filename`.
#[cfg(feature = "ssr")]
pub fn attachment(filename: &str, csv: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("主题党日"), "主题党日");
        assert_eq!(field("一、学习,二、讨论"), "\"一、学习,二、讨论\"");
        assert_eq!(field("他说\"好\""), "\"他说\"\"好\"\"\"");
        assert_eq!(field("第一行\n第二行"), "\"第一行\n第二行\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+86 138"), "'+86 138");
        assert_eq!(field("-5+A1"), "'-5+A1");
        assert_eq!(field("-"), "'-");
        assert_eq!(field("-.5"), "'-.5");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(field("-3"), "-3");
        assert_eq!(field("-2.5"), "-2.5");
        assert_eq!(field("12"), "12");
    }

    #[test]
    fn a_document_has_a_bom_a_header_and_crlf() {
        let rows = vec![vec!["a".to_string(), "b,c".to_string()]];
        assert_eq!(
            document(&["甲", "乙"], &rows),
            "\u{feff}甲,乙\r\na,\"b,c\"\r\n"
        );
    }
}
