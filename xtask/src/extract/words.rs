//! The words extraction reads, in each language the docs are written in.
//!
//! The docs exist in English (`apidocs.bitrix24.com`) and in Russian
//! (`apidocs.bitrix24.ru`, the original) with the same structure: the same
//! pages, tables, code spans and tokens (method, parameter and error
//! names), but headings, table headers, notes, "possible values" markers
//! and the like in the page's language. Every such word the extractor
//! looks for lives here, in both languages, so [`super::page`] reads the
//! structure once. The texts given to these functions are lowercased with
//! [`lower`] (Unicode-aware: ASCII lowercasing leaves Cyrillic alone).
//!
//! [`Lang`] is the language of a corpus, detected from its page titles; it
//! gives the docs site that spec URLs point to.

use crate::spec::Subscribers;

/// The language a docs corpus is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Lang {
    /// `apidocs.bitrix24.com`
    #[default]
    En,
    /// `apidocs.bitrix24.ru`
    Ru,
}

impl Lang {
    /// The base of the published docs site; a page `X.html` is at
    /// `site()` + `X.html`.
    pub fn site(self) -> &'static str {
        match self {
            Lang::En => "https://apidocs.bitrix24.com/",
            Lang::Ru => "https://apidocs.bitrix24.ru/",
        }
    }

    /// The ISO 639-1 code (`en`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The language of one page: Russian when its `<title>` has Cyrillic
    /// letters, else English.
    pub fn of_page(html: &str) -> Lang {
        match super::title::raw_title(html) {
            Some(t) if has_cyrillic(t) => Lang::Ru,
            _ => Lang::En,
        }
    }

    /// The language of a corpus: that of most page titles (ties and an
    /// empty corpus are English). Method names and code are the same in
    /// both languages, so titles are where the language shows.
    pub fn detect<'a>(pages: impl IntoIterator<Item = &'a str>) -> Lang {
        let (mut ru, mut en) = (0usize, 0usize);
        for html in pages {
            match super::title::raw_title(html) {
                Some(t) if has_cyrillic(t) => ru += 1,
                Some(t) if t.chars().any(|c| c.is_ascii_alphabetic()) => en += 1,
                _ => {}
            }
        }
        if ru > en {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    /// The language whose site a docs URL is on.
    pub fn of_url(url: &str) -> Option<Lang> {
        [Lang::En, Lang::Ru]
            .into_iter()
            .find(|l| url.starts_with(l.site()))
    }
}

/// Whether a text has a Cyrillic letter.
pub fn has_cyrillic(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
}

/// Lowercase for matching, in any script (`to_ascii_lowercase` would leave
/// `Параметры` as it is).
pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Whether any of `words` occurs in `t`.
fn any_in(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| t.contains(w))
}

/// A scope as the API names it: the Russian docs write the `basic` scope
/// as `базовый`; every other scope is the same token in both languages.
pub fn scope_name(s: &str) -> &str {
    match s {
        "базовый" => "basic",
        other => other,
    }
}

/// A heading over the method's parameters: "Parameters", "Method
/// parameters", "Параметры метода", "Параметры запроса".
pub fn is_params_heading(t: &str) -> bool {
    let t = t.trim();
    matches!(
        t,
        "parameters"
            | "method parameters"
            | "request parameters"
            | "call parameters"
            | "input parameters"
            | "параметры"
            | "параметры метода"
            | "параметры запроса"
            | "параметры вызова"
            | "входные параметры"
    ) || (t.ends_with("parameters") && t.starts_with("method"))
        || (t.starts_with("параметры метода"))
}

/// A sentence saying the method takes no parameters ("No parameters.",
/// "Без параметров.", "Метод параметров не имеет").
pub fn says_no_params(t: &str) -> bool {
    any_in(
        t,
        &[
            "no parameters",
            "without parameters",
            "без параметров",
            "нет параметров",
            "параметров не имеет",
            "не имеет параметров",
            "не принимает параметр",
        ],
    )
}

/// A note saying the method is deprecated ("The method is deprecated",
/// "Развитие метода остановлено", "Устаревший метод").
pub fn is_deprecation_note(t: &str) -> bool {
    let en = (t.contains("this method") || t.contains("the method"))
        && any_in(
            t,
            &[
                "deprecated",
                "is outdated",
                "no longer supported",
                "discontinued",
            ],
        );
    let ru = t.contains("развитие метода остановлено")
        || (t.contains("метод")
            && any_in(
                t,
                &[
                    "устаревший метод",
                    "метод устарел",
                    "больше не поддерживается",
                    "прекращена поддержка",
                ],
            ));
    en || ru
}

/// The first header of a table whose rows are fields or parameters:
/// "Name", "Parameter", "Field", "Key", "Option", "Название", "Параметр",
/// "Поле", "Ключ", and "Value `type`" ("Значение `тип`") on data-types
/// pages.
pub fn is_field_header(first: &str) -> bool {
    let lead = [
        "name",
        "parameter",
        "field",
        "key",
        "option",
        "название",
        "имя",
        "параметр",
        "поле",
        "ключ",
        "опция",
    ]
    .iter()
    .any(|w| first.starts_with(w));
    lead || (is_value_header(first) && first.split_whitespace().any(is_type_word))
        || over_type(first)
}

/// "Title `type`" over a field table (older CRM `*.fields` pages): a name
/// over a type, as "Name `type`" is. ("Node Type" heads a values table: only
/// these words.)
fn over_type(first: &str) -> bool {
    let words: Vec<&str> = first.split_whitespace().collect();
    matches!(words.as_slice(), ["title" | "заголовок" | "method" | "метод", t] if is_type_word(t))
}

/// The word "type" of a header (`Name` `type`, a "Type" column).
pub fn is_type_word(w: &str) -> bool {
    matches!(w.trim(), "type" | "тип")
}

/// Whether a header mentions a type ("type", "тип").
pub fn mentions_type(w: &str) -> bool {
    w.contains("type") || w.split_whitespace().any(|x| x == "тип")
}

/// A "Value" header (allowed-value tables).
pub fn is_value_header(w: &str) -> bool {
    w.starts_with("value") || w.starts_with("значение")
}

/// A "Code" column ("Code", "Error code", "Код", "Код ошибки").
pub fn is_code_header(w: &str) -> bool {
    w.starts_with("code") || w.starts_with("error code") || w.starts_with("код")
}

/// A "Status" column.
pub fn is_status_header(w: &str) -> bool {
    w.contains("status") || w.contains("статус")
}

/// A text about errors ("Error", "Ошибка", "Обработка ошибок").
pub fn mentions_error(w: &str) -> bool {
    w.contains("error") || w.contains("ошиб")
}

/// A column of the server's message ("Error Message", "Error text",
/// "Сообщение об ошибке", "Текст ошибки"; one Russian page spells it with
/// a Latin `C`).
pub fn is_message_header(w: &str) -> bool {
    w.contains("message")
        || w.contains("сообщ")
        || w.contains("cообщ")
        || w.contains("error text")
        || w.contains("текст ошибки")
}

/// A "Description" column ("Description", "Описание").
pub fn is_description_header(w: &str) -> bool {
    w.starts_with("description") || w.starts_with("описание")
}

/// A heading over the shared system-error table.
pub fn is_system_errors_heading(t: &str) -> bool {
    t.contains("system error") || t.contains("системн")
}

/// "Error Code: `CODE`" on REST 3.0 pages ("Код ошибки: `CODE`").
pub fn starts_error_code(t: &str) -> bool {
    t.starts_with("error code") || t.starts_with("код ошибки")
}

/// The heading of the returned-data table: "Returned Data", "Response
/// fields", "Возвращаемые данные", "Поля ответа".
pub fn is_returned_heading(t: &str) -> bool {
    let t = t.trim();
    t.contains("returned data")
        || t == "response fields"
        || t == "result fields"
        || t == "returned fields"
        || t == "поля, возвращаемые методом"
        || t.contains("возвращаемые данные")
        || t == "поля ответа"
        || t == "поля результата"
}

/// A level-2 heading over the response: "Response Handling", "Returned
/// data", "Result", "Обработка ответа", "Результат".
pub fn is_response_heading(t: &str) -> bool {
    (any_in(t, &["response", "returned data", "result"])
        || any_in(t, &["ответ", "возвращаемые данные", "результат"]))
        && !mentions_error(t)
}

/// Why a line introducing a list of codes says the codes are not the
/// field's closed set of values (lowercased `t`): they show the shapes of a
/// format or a file name ("in the format:", "Possible extensions:", "в
/// формате:"), are examples ("for example", "e.g.", "Typical values:",
/// "например"), or name
/// fields or keys ("serialized array with keys:", "Available fields:",
/// "Доступные поля:", "набор полей", "структуру:"). Words count from their
/// start only ("transformation" is no "format").
pub fn list_lead_not_values(t: &str) -> Option<&'static str> {
    if any_word(t, &["format", "формат", "extensions", "расширения:"]) {
        Some("format")
    } else if any_in(t, &["e.g.", "for instance", "such as"])
        || any_word(
            t,
            &[
                "example",
                "typical",
                "например",
                "пример",
                "к примеру",
                "типичн",
            ],
        )
    {
        Some("examples")
    } else if any_word(
        t,
        &["fields", "keys", "structure", "полей", "ключ", "структур"],
    ) || any_in(t, &["содержать поля", "доступные поля", "поля адреса:"])
    {
        Some("field names")
    } else {
        None
    }
}

/// Some word of `words` occurs in `t` at the start of a word.
fn any_word(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        t.match_indices(w).any(|(i, _)| {
            t[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    })
}

/// Where a description lists the allowed values ("Possible values:",
/// "Возможные значения:"): the byte offset just after the marker in `t`.
pub fn values_marker_end(t: &str) -> Option<usize> {
    [
        "possible values",
        "allowed values",
        "acceptable values",
        "available values",
        "valid values",
        "supported values",
        "возможные значения",
        "допустимые значения",
        "доступные значения",
        "поддерживаемые значения",
        "варианты значений",
    ]
    .iter()
    .find_map(|m| t.find(m).map(|p| p + m.len()))
    // "Возможные значения префикса" (of a filter key's prefix) reads as
    // the English "Possible prefix values", which is no marker either.
    .filter(|&end| !t[end..].trim_start().starts_with("префикс"))
}

/// A code cell that says there is no code: "Empty", "Empty value", "Пусто",
/// "Пустая строка".
pub fn says_empty(t: &str) -> bool {
    t == "empty" || t.starts_with("empty ") || t.starts_with("пуст")
}

/// Words around a field's name in a heading over its table ("Parameter
/// fields", "FIELDS Parameter", "Объект result", "Поля массива result").
pub fn is_filler(w: &str) -> bool {
    const FILLER: &[&str] = &[
        "parameter",
        "parameters",
        "object",
        "objects",
        "field",
        "fields",
        "structure",
        "of",
        "the",
        "description",
        "type",
        "array",
        "element",
        "elements",
        "item",
        "items",
        "format",
        "key",
        "keys",
        // Russian, with the case endings the headings use.
        "параметр",
        "параметры",
        "параметра",
        "объект",
        "объекты",
        "объекта",
        "поле",
        "поля",
        "полей",
        "структура",
        "описание",
        "тип",
        "массив",
        "массива",
        "элемент",
        "элементы",
        "элемента",
        "формат",
        "ключ",
        "ключи",
    ];
    FILLER.contains(&w)
}

/// The heading over what an event handler receives: "What the Handler
/// Receives", "What Comes to the Handler", "Event Handler Parameters",
/// "Что получает обработчик", "Что приходит в обработчик".
pub fn is_handler_heading(t: &str) -> bool {
    let t = t.trim();
    t.contains("handler receives")
        || t.contains("comes to the handler")
        || t == "event handler parameters"
        || t.contains("получает обработчик")
        || t.contains("приходит в обработчик")
        || t.contains("приходит обработчику")
        || t == "параметры обработчика события"
}

/// Who may subscribe, read from a line of the page's introduction that
/// says "Who can subscribe:" / "Кто может подписаться:": `None` when the
/// line does not say it, `Some(None)` when it does in words outside
/// [`SUBSCRIBERS`] (never copied), else the code.
pub fn subscribers(t: &str) -> Option<Option<Subscribers>> {
    let folded = lower(t);
    let at = ["who can subscribe", "кто может подписаться"]
        .iter()
        .find_map(|m| folded.find(m).map(|i| i + m.len()))?;
    let rest = folded[at..].trim_start_matches(|c: char| c == '*' || c == ':' || c.is_whitespace());
    let phrase: String = rest
        .replace('-', " ")
        .chars()
        .filter(|c| !matches!(c, '`' | '*' | '.' | ','))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if phrase.is_empty() {
        return None;
    }
    let phrase = phrase.strip_prefix("a ").unwrap_or(&phrase);
    Some(
        SUBSCRIBERS
            .iter()
            .find(|(_, phrases)| phrases.contains(&phrase))
            .map(|(code, _)| *code),
    )
}

/// The words each language uses for who may subscribe, lowercased, with
/// hyphens as spaces and punctuation and a leading "a " dropped.
pub const SUBSCRIBERS: [(Subscribers, &[&str]); 3] = [
    (Subscribers::AnyUser, &["any user", "любой пользователь"]),
    (
        Subscribers::BotOwner,
        &[
            "user of the application that registered the chat bot",
            "users of the application that registered the chat bot",
            "пользователь приложения которое зарегистрировало чат бота",
        ],
    ),
    (
        Subscribers::SignB2eAccess,
        &[
            "user with access to e signature for hr",
            "user with access to kedo",
            "пользователь с доступом к кэдо",
        ],
    ),
];

/// A sentence that makes one of several fields required ("pass one of the
/// parameters", "at least one of", "you must provide either", "один из
/// параметров", "хотя бы одно из полей"); lowercased text. A bare "either"
/// or "либо" is not enough ("A либо B is missing" needs both): "either"
/// only beside a word that demands it; never a negated sentence.
pub fn says_one_of(t: &str) -> bool {
    let marked = [
        "one of the param",
        "one of the following param",
        "one of the field",
        "one of the following field",
        "at least one of",
        "один из параметров",
        "одного из параметров",
        "одно из полей",
        "хотя бы один из",
        "хотя бы одно из",
    ]
    .iter()
    .any(|m| t.contains(m));
    let either =
        t.contains("either ") && ["must", "required", "need"].iter().any(|w| t.contains(w));
    // "One of the fields was not passed", "если хотя бы один из параметров
    // не передан": what happens without them, not a choice.
    let negated = [" not ", "n't ", " не "].iter().any(|w| t.contains(w))
        || t.trim_start().starts_with("не ");
    (marked || either) && !negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_in_both_languages() {
        let read = |t: &str| subscribers(t);
        assert_eq!(
            read("Who can subscribe: `any user`"),
            Some(Some(Subscribers::AnyUser))
        );
        assert_eq!(
            read("Кто может подписаться: любой пользователь"),
            Some(Some(Subscribers::AnyUser))
        );
        assert_eq!(
            read("Who can subscribe: a user of the application that registered the chat-bot"),
            Some(Some(Subscribers::BotOwner))
        );
        assert_eq!(
            read(
                "Кто может подписаться: пользователь приложения, которое зарегистрировало чат-бота"
            ),
            Some(Some(Subscribers::BotOwner))
        );
        assert_eq!(
            read("Кто может подписаться: пользователь с доступом к КЭДО"),
            Some(Some(Subscribers::SignB2eAccess))
        );
        // Said, in words outside the set: known to be said, not copied.
        assert_eq!(read("Who can subscribe: an administrator"), Some(None));
        assert_eq!(read("Scope: crm"), None);
    }

    #[test]
    fn language_of_titles() {
        let ru = "<title>Включить модель прав landing.role.enable</title>";
        let en = "<title>Enable Role Model landing.role.enable</title>";
        assert_eq!(Lang::of_page(ru), Lang::Ru);
        assert_eq!(Lang::of_page(en), Lang::En);
        assert_eq!(Lang::detect([ru, ru, en]), Lang::Ru);
        assert_eq!(Lang::detect([ru, en]), Lang::En);
        assert_eq!(Lang::detect([]), Lang::En);
        assert_eq!(
            Lang::of_url("https://apidocs.bitrix24.ru/a.html"),
            Some(Lang::Ru)
        );
    }

    #[test]
    fn both_languages_read_alike() {
        for (en, ru) in [
            ("method parameters", "параметры метода"),
            ("returned data", "возвращаемые данные"),
        ] {
            assert_eq!(is_params_heading(en), is_params_heading(ru));
            assert_eq!(is_returned_heading(en), is_returned_heading(ru));
        }
        assert!(is_params_heading(&lower("Параметры метода")));
        assert!(is_response_heading(&lower("Обработка ответа")));
        assert!(!is_response_heading(&lower("Обработка ошибок")));
        assert!(mentions_error(&lower("Возможные коды ошибок")));
        assert!(is_message_header(&lower("Cообщение об ошибке")));
        assert!(is_deprecation_note(&lower(
            "Развитие метода остановлено. Используйте crm.item.add."
        )));
        assert!(says_no_params(&lower("Без параметров.")));
        assert_eq!(values_marker_end("возможные значения:"), Some(35));
        assert_eq!(
            list_lead_not_values("chat id in the format:"),
            Some("format")
        );
        assert_eq!(list_lead_not_values("link transformation:"), None);
        assert_eq!(
            list_lead_not_values("a style, for example:"),
            Some("examples")
        );
        assert_eq!(
            list_lead_not_values("an array with keys:"),
            Some("field names")
        );
        assert_eq!(list_lead_not_values("набор полей:"), Some("field names"));
        assert_eq!(list_lead_not_values("тип поля:"), None);
        assert_eq!(list_lead_not_values("status type:"), None);
        assert_eq!(scope_name("базовый"), "basic");
        assert_eq!(scope_name("crm"), "crm");
    }
}
