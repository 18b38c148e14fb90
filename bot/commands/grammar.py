"""The one text grammar shared by the console and Slack.

``/circle schedule set day:tuesday time:19:00 where:"Room 2"`` — command words first, then
``key:value`` options (quotes for spaces), bare words for options in declared order, and people as
``@name`` (console) or ``<@U123|name>`` (Slack's escaped mentions).

It never guesses silently: a bare word that could belong to the value before it (``where:Room 2``)
is an error showing the quoted form; a ``key:`` that names no option gets a did-you-mean; words
that take the rest of the line stop at the next known ``key:`` option, so
``consult "I need help" anonymous:yes`` is anonymous. ``key: value`` and ``key=value`` mean
``key:value``. A line that sounds like a person in distress (``i need help``, ``help me``,
``ayuda``, ``crisis``) is help's crisis topic, never a parser error.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from bot.commands import words as typed
from bot.commands.spec import CommandSpec, Option, OptType, Registry
from bot.commands.synonyms import choice_word
from bot.core.errors import UserError
from bot.i18n import N_

_SMART_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"}
)
_MENTION = re.compile(r"^(?:@\S+|<@[A-Za-z0-9]+(?:\|[^>]*)?>)$")
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]{0,40})\s*([:=])(.*)$", re.DOTALL)
_PERSON_OPTS = (OptType.USER, OptType.USERS)
_TEXTLIKE = (OptType.TEXT, OptType.WORD, OptType.ZONE, OptType.CIRCLE)  # quotes may hold spaces
CRISIS_TOPIC = "crisis"
ECHO = 40
"""How much of a typed word an error message quotes back."""

# Option names people reach for, as suggestions only (never accepted silently).
_ALIASES = {
    "tz": "timezone",
    "zone": "timezone",
    "time_zone": "timezone",
    "place": "where",
    "location": "where",
    "room": "where",
    "weeks": "every_weeks",
    "every": "every_weeks",
    "interval": "every_weeks",
    "size": "max_size",
    "max": "max_size",
    "min": "min_size",
    "msg": "message",
    "text": "message",
    "anon": "anonymous",
    "anonymously": "anonymous",
    "when": "date",
    "day": "date",
    "new": "to",
    "length": "duration",
    "minutes": "duration",
    "who": "member",
    "user": "member",
    "person": "member",
}

# Whole lines (or their start) that are a cry for help rather than a command.
_CRISIS_LINES = {
    "i need help",
    "i need help now",
    "i need help please",
    "please help",
    "please help me",
    "help me",
    "help me please",
    "crisis",
    "sos",
    "emergency",
    "ayuda",
    "ayudame",
    "ayúdame",
    "necesito ayuda",
    "ayuda por favor",
    "socorro",
    "emergencia",
}
_CRISIS_STARTS = ("i need help", "help me", "ayuda", "crisis", "necesito ayuda", "ayúdame", "sos")

# Words that continue a date typed without quotes: ``next tuesday``, ``3 de marzo``.
_DATE_FILLERS = {
    "next", "this", "coming", "last", "on", "the", "of", "de", "del", "el", "la",
    "próximo", "proximo", "próxima", "proxima", "que", "viene", "pasado", "pasada",
}  # fmt: skip
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre",
}  # fmt: skip
_WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "lunes", "martes", "miércoles",
    "miercoles", "jueves", "viernes", "sábado", "sabado", "domingo", "tomorrow", "today",
    "yesterday", "mañana", "hoy", "ayer",
}  # fmt: skip
_TIME_TAILS = {"am", "pm", "a.m.", "p.m.", "a.m", "p.m", "h", "hs", "hrs", "de", "la", "tarde",
               "noche", "mañana", "manana", "madrugada", "o'clock"}  # fmt: skip
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Token:
    text: str  # quotes removed
    start: int  # offsets in the line, quotes included
    end: int
    quote_at: int  # index in ``text`` where quoted text began (len(text) when none)

    @property
    def quoted(self) -> bool:
        return self.quote_at < len(self.text)


@dataclass
class Parsed:
    spec: CommandSpec
    values: dict[str, str | list[str]] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    return [t.text for t in _tokens(text)]


def _tokens(text: str) -> list[Token]:
    """Words split on spaces; ``"…"`` anywhere and ``'…'`` at a word's start group words, so an
    apostrophe inside a word (``don't``) is just a letter. ``<…>`` (Slack mentions) is one word."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, quote_at = i, -1
        buf: list[str] = []
        if text[i] == "<" and (close := text.find(">", i)) != -1 and not _has_space(text, i, close):
            out.append(Token(text[i : close + 1], i, close + 1, close + 1 - i))
            i = close + 1
            continue
        while i < n and not text[i].isspace():
            ch = text[i]
            opens = ch == '"' or (ch == "'" and (not buf or buf[-1] in ":="))
            if opens:
                end = text.find(ch, i + 1)
                if end == -1:
                    raise UserError(
                        N_(
                            "A quotation mark is not closed. Put text with spaces in matching "
                            'quotes, like text:"my words".'
                        )
                    )
                if quote_at < 0:
                    quote_at = len(buf)
                buf.extend(text[i + 1 : end])
                i = end + 1
                continue
            buf.append(ch)
            i += 1
        word = "".join(buf)
        out.append(Token(word, start, i, quote_at if quote_at >= 0 else len(word)))
    return out


def _has_space(text: str, start: int, end: int) -> bool:
    return any(c.isspace() for c in text[start:end])


def is_mention(token: str) -> bool:
    return bool(_MENTION.match(token))


def crisis(text: str) -> bool:
    """Whether a line after ``/circle`` reads as someone asking for help for themselves."""
    words = "".join(c for c in text.lower() if c.isalnum() or c.isspace() or c in "áéíóúñü")
    line = " ".join(words.split())
    return line in _CRISIS_LINES or any(
        line.startswith(s + " ") or line == s for s in _CRISIS_STARTS
    )


def parse(text: str, registry: Registry) -> Parsed:
    """Split a command line into its declared command and raw option values (still text)."""
    check_storable(text)
    text = text.translate(_SMART_QUOTES).strip()
    stripped = re.sub(r"^/?circle\b", "", text, flags=re.IGNORECASE).strip()
    if stripped and crisis(stripped) and ("help",) in registry.by_path:
        return Parsed(registry.by_path[("help",)], {"topic": CRISIS_TOPIC})
    tokens = _tokens(text)
    if tokens and tokens[0].text.lower() in ("/circle", "circle"):
        tokens = tokens[1:]
    if not tokens:
        raise UserError(N_("Type a command after /circle, for example /circle help."))
    spec, used = _match([t.text for t in tokens], registry)
    return Parsed(spec, _Assigner(spec, text, tokens[used:]).run())


def check_storable(text: str) -> None:
    """Lone surrogates (a broken emoji) and NUL cannot be stored or sent: refuse them up front."""
    if any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in text):
        raise UserError(
            N_(
                "Your message has a character that cannot be stored or sent (often a broken "
                "emoji). Type it again without that character."
            )
        )


def _match(words: list[str], registry: Registry) -> tuple[CommandSpec, int]:
    lowered = [unicodedata.normalize("NFC", w).lower() for w in words]
    for length in (3, 2, 1):
        spec = registry.by_path.get(tuple(lowered[:length]))
        if spec is not None and len(lowered) >= length:
            return spec, length
    groups = registry.groups()
    first = lowered[0][:ECHO]
    if first in groups:
        subs = [s.path[1] for s in groups[first] if len(s.path) > 1]
        second = lowered[1][:ECHO] if len(lowered) > 1 else ""
        close = difflib.get_close_matches(second, subs, n=2, cutoff=0.6) if second else []
        if close:
            raise UserError(
                N_(
                    "There is no /circle {group} {word}. Did you mean {close}? /circle {group} "
                    "has: {subs}. Type /circle help {group} for examples."
                ),
                group=first,
                word=second,
                close=" or ".join(f"/circle {first} {c}" for c in close),
                subs=", ".join(subs),
            )
        if second:
            raise UserError(
                N_(
                    "There is no /circle {group} {word}. /circle {group} has: {subs}. "
                    "Type /circle help {group} for examples."
                ),
                group=first,
                word=second,
                subs=", ".join(subs),
            )
        raise UserError(
            N_(
                "/circle {group} needs one of: {subs}. For example: {example} "
                "(/circle help {group} shows more)."
            ),
            group=first,
            subs=", ".join(subs),
            example=groups[first][0].example,
        )
    spaced = " ".join(lowered[:2])
    names = [s.name for s in registry]
    close = difflib.get_close_matches(first, list(groups), n=1) or difflib.get_close_matches(
        spaced, names, n=1
    )
    if close:
        raise UserError(
            N_(
                'There is no command "{word}". Did you mean /circle {close}? '
                "Type /circle help to see what you can run."
            ),
            word=first,
            close=close[0],
        )
    raise UserError(
        N_('There is no command "{word}". Type /circle help to see what you can run.'),
        word=first,
    )


class _Assigner:
    """Walks the words after the command and gives each to one option, or says why it cannot."""

    def __init__(self, spec: CommandSpec, line: str, tokens: list[Token]) -> None:
        self.spec, self.line, self.tokens = spec, line, tokens
        self.names = {o.name for o in spec.options} | {"circle"}
        self.values: dict[str, str | list[str]] = {}
        self.people = [o for o in spec.options if o.type in _PERSON_OPTS]
        self.i = 0
        self.open_text: tuple[str, bool] | None = None  # (option, was quoted): extra words go here?

    # -- what a word is ------------------------------------------------------------------------

    def known_key(self, tok: Token) -> tuple[str, str] | None:
        """``(name, value)`` when the word is ``name:value`` / ``name=value`` for a known option
        (the ``name`` part unquoted; ``@…`` mentions are never keys)."""
        if is_mention(tok.text):
            return None
        m = _KEY.match(tok.text)
        if not m or m.end(2) > tok.quote_at:
            return None
        name = m[1].lower()
        if name not in self.names:
            return None
        return name, m[3]

    def unknown_key(self, tok: Token) -> str | None:
        """The name in ``maxsize:6`` when it names no option (URLs are not keys)."""
        if is_mention(tok.text):
            return None
        m = _KEY.match(tok.text)
        if not m or m.end(2) > tok.quote_at or m[1].lower() in self.names:
            return None
        if m[3].startswith("//") or len(m[1]) < 2:
            return None
        return m[1].lower()

    def suggestion(self, name: str) -> str | None:
        options = sorted(self.names)
        alias = _ALIASES.get(name)
        if alias in self.names:
            return alias
        squashed = {o.replace("_", ""): o for o in options}
        plain = name.replace("-", "").replace("_", "")
        if plain in squashed:
            return squashed[plain]
        close = difflib.get_close_matches(name.replace("-", "_"), options, n=1, cutoff=0.75)
        return close[0] if close else None

    # -- errors --------------------------------------------------------------------------------

    def _usage(self) -> dict[str, str]:
        return {"usage": self.spec.usage(), "example": self.spec.example}

    def no_option(self, name: str) -> UserError:
        close = self.suggestion(name)
        if close:
            return UserError(
                N_(
                    "There is no option {name}; did you mean {close}? Usage: {usage} "
                    "For example: {example}"
                ),
                name=name,
                close=close,
                **self._usage(),
            )
        return UserError(
            N_(
                "There is no option {name} for /circle {command}. It takes: {options}. "
                "For example: {example}"
            ),
            name=name,
            command=self.spec.name,
            options=", ".join([o.name for o in self.spec.options] + ["circle"]),
            example=self.spec.example,
        )

    def needs_quotes(self, name: str, words: list[str]) -> UserError:
        shown = " ".join(words)[: ECHO * 3]
        form = f'{name}:"{shown}"' if name else f'"{shown}"'
        return UserError(
            N_(
                "{option}: put words with spaces in quotes, like {form}. Usage: {usage} "
                "For example: {example}"
            ),
            option=name or self._first_text_option(),
            form=form,
            **self._usage(),
        )

    def _first_text_option(self) -> str:
        return next((o.name for o in self.spec.options if o.type in _TEXTLIKE), "text")

    def too_many(self, token: str) -> UserError:
        return UserError(
            N_('"{token}" does not fit here. Usage: {usage} For example: {example}'),
            token=token[:ECHO],
            **self._usage(),
        )

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> dict[str, str | list[str]]:
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            keyed = self.known_key(tok)
            if keyed is not None:
                self.keyed(tok, *keyed)
                continue
            unknown = self.unknown_key(tok)
            if unknown is not None and (self.suggestion(unknown) or not self._rest_open()):
                raise self.no_option(unknown)
            if is_mention(tok.text) and self.people:
                self.mention(tok)
                continue
            self.positional(tok)
        return self.values

    def _set(self, name: str, value: str | list[str]) -> None:
        if name in self.values:
            raise UserError(
                N_("The option {key}: is given twice. Usage: {usage} For example: {example}"),
                key=name,
                **self._usage(),
            )
        self.values[name] = value

    def keyed(self, tok: Token, name: str, value: str) -> None:
        opt = self.spec.option(name)
        self.i += 1
        quoted = tok.quoted
        if value == "" and not quoted:
            # ``anonymous: yes`` — the value is the next word.
            nxt = self.tokens[self.i] if self.i < len(self.tokens) else None
            if nxt is None or self.known_key(nxt) is not None:
                raise UserError(
                    N_("{key}: needs a value after the colon, like {form}. Usage: {usage}"),
                    key=name,
                    form=f"{name}:{_placeholder(opt)}",
                    usage=self.spec.usage(),
                )
            value, quoted = nxt.text, nxt.quoted
            tok = nxt
            self.i += 1
        if opt is not None and opt.type is OptType.USERS:
            people = [value, *self._mentions()]
            self._set(name, people)
            self.open_text = None
            return
        if opt is not None and opt.rest:
            self._set(name, self._rest(tok, first_value=value))
            return
        if opt is not None and opt.type in (OptType.DATE, OptType.TIME) and not quoted:
            value = self._continue(opt, value)
        self._set(name, value)
        self.open_text = (name, quoted) if _may_have_spaces(opt, value) else None

    def mention(self, tok: Token) -> None:
        self.open_text = None
        opt = next(
            (o for o in self.people if o.type is OptType.USERS or o.name not in self.values), None
        )
        if opt is None:
            raise self.too_many(tok.text)
        if opt.type is OptType.USERS:
            current = self.values.setdefault(opt.name, [])
            assert isinstance(current, list)
            current.append(tok.text)
        else:
            self.values[opt.name] = tok.text
        self.i += 1

    def positional(self, tok: Token) -> None:
        if self.open_text is not None and not tok.quoted:
            name, was_quoted = self.open_text
            if not was_quoted:
                raise self.needs_quotes(name, [str(self.values[name]), *self._bare_words()])
        opt = next(
            (
                o
                for o in self.spec.options
                if o.type not in _PERSON_OPTS and o.name not in self.values and _fits(o, tok.text)
            ),
            None,
        )
        if opt is None:
            raise self.too_many(tok.text)
        if opt.rest:
            self._set(opt.name, self._rest(tok, first_value=None))
            return
        self.i += 1
        value = tok.text
        if opt.type in (OptType.DATE, OptType.TIME) and not tok.quoted:
            value = self._continue(opt, value)
        self._set(opt.name, value)
        self.open_text = (opt.name, tok.quoted) if _may_have_spaces(opt, value) else None

    def _bare_words(self) -> list[str]:
        out = []
        for tok in self.tokens[self.i :]:
            if tok.quoted or self.known_key(tok) or is_mention(tok.text):
                break
            out.append(tok.text)
        return out

    def _mentions(self) -> list[str]:
        out = []
        while self.i < len(self.tokens) and is_mention(self.tokens[self.i].text):
            out.append(self.tokens[self.i].text)
            self.i += 1
        return out

    def _rest_open(self) -> bool:
        return any(o.rest and o.name not in self.values for o in self.spec.options)

    def _rest(self, first: Token, first_value: str | None) -> str:
        """Words up to the next known ``key:`` option. Unquoted, the line's own spacing (new
        lines in rules) is kept. A word that looks like a mistyped option or a yes/no option's
        bare name (``anonymous``) is refused: it must never quietly become part of the text."""
        words: list[Token] = [] if first_value is not None else [first]
        if first_value is None:
            self.i += 1
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if self.known_key(tok) is not None:
                break
            unknown = self.unknown_key(tok)
            if unknown is not None and self.suggestion(unknown):
                raise self.no_option(unknown)
            self._refuse_bare_flag(tok)
            words.append(tok)
            self.i += 1
        self.open_text = None
        if first_value is not None and not words:
            return first_value
        if first_value is None:
            self._refuse_bare_flag(first)
        if words and not any(t.quoted for t in words) and first_value is None:
            return self.line[words[0].start : words[-1].end]
        parts = ([first_value] if first_value is not None else []) + [t.text for t in words]
        return " ".join(parts)

    def _refuse_bare_flag(self, tok: Token) -> None:
        """``anonymous``, ``anonymously`` or a quoted ``"anonymous":yes`` inside free text."""
        word = tok.text.lower().strip(".,;:!?")
        for opt in self.spec.options:
            if opt.type is not OptType.BOOL:
                continue
            as_key = re.fullmatch(re.escape(opt.name) + r"\s*[:=]\s*\S*", word)
            if as_key or (not tok.quoted and word in (opt.name, opt.name + "ly")):
                raise UserError(
                    N_(
                        'To use {option}, write {option}:yes (or put your words in quotes: "…"). '
                        "For example: {example}"
                    ),
                    option=opt.name,
                    example=self.spec.example,
                )

    def _continue(self, opt: Option, value: str) -> str:
        """Join the next bare words of an unquoted date (``next tuesday``, ``3 de marzo``) or
        time (``7 pm``) to it."""
        parts = [value]
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.quoted or self.known_key(tok) or is_mention(tok.text):
                break
            word = tok.text.lower().strip(",")
            time_tail = opt.type is OptType.TIME and word in _TIME_TAILS
            if not (time_tail or (opt.type is OptType.DATE and _date_word_fits(parts, word))):
                break
            parts.append(tok.text)
            self.i += 1
        return " ".join(parts)


def _may_have_spaces(opt: Option | None, value: str) -> bool:
    """Whether a bare word after this value could be meant as more of it (``where:Room 2``). A
    one-word option or a circle's ``#id`` cannot continue."""
    if opt is None or opt.type is OptType.CIRCLE:
        return not re.fullmatch(r"#\d+", value)
    return opt.type in (OptType.TEXT, OptType.ZONE)


def _date_word_fits(parts: list[str], word: str) -> bool:
    if _ISO_DATE.match(parts[0]):
        return False
    have = [p.lower().strip(",.") for p in parts]
    if word in _DATE_FILLERS:
        return True
    if word in _MONTHS:
        return not any(p in _MONTHS for p in have)
    if word in _WEEKDAYS:
        return not any(p in _WEEKDAYS for p in have)
    digits = re.sub(r"(st|nd|rd|th|º)$", "", word)
    if digits.isdigit():
        days = [p for p in have if re.sub(r"(st|nd|rd|th|º)$", "", p).isdigit()]
        if len(digits) == 4:
            return any(p in _MONTHS for p in have)
        month_or_lead_in = any(p in _MONTHS for p in have) or all(p in _DATE_FILLERS for p in have)
        return not days and 1 <= int(digits) <= 31 and month_or_lead_in
    return False


def _fits(opt: Option, token: str) -> bool:
    """A bare word goes to the first open option it can be: required options take anything (so
    a wrong value is blamed on them), optional choices only their choices, optional numbers only
    digits; optional free text only when it takes the rest of the line."""
    if opt.required:
        return True
    word = token.lower().strip(".,!")
    match opt.type:
        case OptType.CHOICE:
            return (
                word in opt.choices
                or choice_word(word) in opt.choices
                or typed.canonical(word, opt.choices) is not None
            )
        case OptType.BOOL:
            return (
                word in ("yes", "no", "sí", "si")
                or typed.canonical(word, ("yes", "no")) is not None
            )
        case OptType.INT:
            return word.isdigit()
        case OptType.DATE | OptType.TIME:
            return True
        case _:
            return opt.rest


def _placeholder(opt: Option | None) -> str:
    if opt is None:
        return "NAME"
    if opt.choices:
        return opt.choices[0]
    return {
        OptType.BOOL: "yes",
        OptType.INT: "3",
        OptType.DATE: "2026-03-14",
        OptType.TIME: "19:00",
        OptType.ZONE: "Europe/London",
    }.get(opt.type, '"…"')
