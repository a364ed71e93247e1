//! The mail templates and the few lines that fill them in.
//!
//! Templates are files under `service/templates/mail/`, one `.txt` and one
//! `.html` per kind of mail, compiled into the binary with `include_str!`
//! (so a server needs no template files at run time, and a missing one is a
//! build error) and filled in by plain `{name}` substitution. A template
//! engine (tera, askama, handlebars) would be a dependency heavier than all
//! mail code together for six short texts with no loops or conditions; what
//! such an engine brings that matters here, escaping in the HTML part, is
//! [`escape_html`]. A placeholder with no value is left as written, which
//! the unit tests below catch for every template.

/// The text and HTML template of one kind of mail.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Template {
    text: &'static str,
    html: &'static str,
}

/// Declares a [`Template`] from the pair of files named `$file`.
macro_rules! template {
    ($name:ident, $file:literal) => {
        pub(crate) const $name: Template = Template {
            text: include_str!(concat!("../../templates/mail/", $file, ".txt")),
            html: include_str!(concat!("../../templates/mail/", $file, ".html")),
        };
    };
}

template!(VERIFY_EMAIL, "verify_email");
template!(RESET_PASSWORD, "reset_password");
template!(CONFIRM_DELETION, "confirm_deletion");
template!(PASSWORD_CHANGED, "password_changed");
template!(API_KEY_CREATED, "api_key_created");
template!(DELETION_SCHEDULED, "deletion_scheduled");
template!(EMAIL_CHANGE_NOTICE, "email_change_notice");

/// Every template, for the tests.
#[cfg(test)]
pub(crate) const ALL: [Template; 7] = [
    VERIFY_EMAIL,
    RESET_PASSWORD,
    CONFIRM_DELETION,
    PASSWORD_CHANGED,
    API_KEY_CREATED,
    DELETION_SCHEDULED,
    EMAIL_CHANGE_NOTICE,
];

impl Template {
    /// The text part with `values` filled in as they are.
    pub(crate) fn text(&self, values: &[(&str, &str)]) -> String {
        fill(self.text, values, |value, out| out.push_str(value))
    }

    /// The HTML part with `values` filled in, escaped.
    pub(crate) fn html(&self, values: &[(&str, &str)]) -> String {
        fill(self.html, values, escape_html_into)
    }

    /// The raw text template, for the tests.
    #[cfg(test)]
    pub(crate) fn raw_text(&self) -> &'static str {
        self.text
    }
}

/// Replaces each `{name}` of `template` whose name `values` lists by its
/// value, written with `write`. Control characters in values (a line break
/// in a username, say) become spaces: a value can never start a line of
/// its own and pass for part of the template.
fn fill(template: &str, values: &[(&str, &str)], write: fn(&str, &mut String)) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let value = after.find('}').and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (end, *value))
        });
        match value {
            Some((end, value)) => {
                let clean: String = value
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                write(&clean, &mut out);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` made safe for HTML text and for quoted attribute values.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html_into(text, &mut out);
    out
}

fn escape_html_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_the_five_characters_that_matter() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_left_alone() {
        let filled = fill(
            "{a} and {b}, {unknown} {a}{",
            &[("a", "1"), ("b", "two")],
            |v, out| out.push_str(v),
        );
        assert_eq!(filled, "1 and two, {unknown} 1{");
    }

    #[test]
    fn values_cannot_break_lines() {
        let template = Template {
            text: "Hello {name},\n",
            html: "<p>{name}</p>",
        };
        let values = [("name", "Eve\r\nhttps://evil.example/")];
        assert_eq!(
            template.text(&values),
            "Hello Eve  https://evil.example/,\n"
        );
        assert_eq!(template.html(&values), "<p>Eve  https://evil.example/</p>");
    }

    #[test]
    fn the_html_part_escapes_values_and_the_text_part_does_not() {
        let values = [
            ("username", "<b>&</b>"),
            ("link", "https://x.test/?a=1&b=2"),
        ];
        let text = VERIFY_EMAIL.text(&values);
        let html = VERIFY_EMAIL.html(&values);
        assert!(text.contains("Hello <b>&</b>,"));
        assert!(html.contains("Hello &lt;b&gt;&amp;&lt;/b&gt;,"));
        assert!(html.contains(r#"<a href="https://x.test/?a=1&amp;b=2">"#));
        assert!(!html.contains("<b>"));
    }
}
