"""A stable pseudonym for each anonymous sender, as one recipient sees them.

"Is it the same person as yesterday?" is answered without unmasking anyone: the name comes
from a keyed hash of the sender and the recipient, so it is the same on every confession
and reply between the two, different for every other recipient, and nobody without the
server's key can compute it from an id. It is a label, not an identity: two senders to one
recipient may, rarely, draw the same one.
"""

from __future__ import annotations

from core.identity import keyed_hash
from core.read_model import ConfessionView, ReaderView, Role
from core.settings import Settings
from core.users import Party

ANIMALS: tuple[tuple[str, str, str], ...] = (
    ("🦊", "Fox", "Лис"),
    ("🐺", "Wolf", "Волк"),
    ("🐻", "Bear", "Медведь"),
    ("🦔", "Hedgehog", "Ёж"),
    ("🐱", "Cat", "Кот"),
    ("🦉", "Owl", "Филин"),
    ("🦌", "Deer", "Олень"),
    ("🦡", "Badger", "Барсук"),
    ("🦝", "Raccoon", "Енот"),
    ("🐬", "Dolphin", "Дельфин"),
    ("🐧", "Penguin", "Пингвин"),
    ("🐯", "Tiger", "Тигр"),
    ("🦁", "Lion", "Лев"),
    ("🐰", "Rabbit", "Кролик"),
    ("🦫", "Beaver", "Бобр"),
    ("🐳", "Whale", "Кит"),
    ("🦅", "Eagle", "Орёл"),
    ("🐹", "Hamster", "Хомяк"),
    ("🦜", "Parrot", "Попугай"),
    ("🐘", "Elephant", "Слон"),
    ("🦒", "Giraffe", "Жираф"),
    ("🐫", "Camel", "Верблюд"),
    ("🦄", "Unicorn", "Единорог"),
    ("🐉", "Dragon", "Дракон"),
    ("🦀", "Crab", "Краб"),
    ("🐙", "Octopus", "Осьминог"),
    ("🐞", "Beetle", "Жук"),
    ("🐝", "Bumblebee", "Шмель"),
    ("🦢", "Swan", "Лебедь"),
    ("🦚", "Peacock", "Павлин"),
    ("🦭", "Seal", "Тюлень"),
    ("🐿", "Chipmunk", "Бурундук"),
    ("🐊", "Crocodile", "Крокодил"),
    ("🦖", "Dinosaur", "Динозавр"),
    ("🐗", "Boar", "Кабан"),
    ("🐆", "Leopard", "Леопард"),
    ("🦘", "Kangaroo", "Кенгуру"),
    ("🦬", "Bison", "Бизон"),
    ("🦩", "Flamingo", "Фламинго"),
    ("🐎", "Horse", "Конь"),
)
"""(emoji, English, Russian); every Russian noun is masculine, so one adjective form fits."""

ADJECTIVES: tuple[tuple[str, str], ...] = (
    ("Quiet", "Тихий"),
    ("Brave", "Смелый"),
    ("Gentle", "Нежный"),
    ("Shy", "Робкий"),
    ("Curious", "Любопытный"),
    ("Sleepy", "Сонный"),
    ("Clever", "Умный"),
    ("Happy", "Весёлый"),
    ("Calm", "Спокойный"),
    ("Bright", "Яркий"),
    ("Kind", "Добрый"),
    ("Swift", "Быстрый"),
    ("Silent", "Безмолвный"),
    ("Dreamy", "Мечтательный"),
    ("Wise", "Мудрый"),
    ("Proud", "Гордый"),
    ("Lucky", "Везучий"),
    ("Warm", "Тёплый"),
    ("Golden", "Золотой"),
    ("Silver", "Серебряный"),
    ("Little", "Маленький"),
    ("Mighty", "Могучий"),
    ("Secret", "Тайный"),
    ("Hidden", "Скрытый"),
    ("Tender", "Ласковый"),
    ("Bold", "Дерзкий"),
    ("Wild", "Дикий"),
    ("Polite", "Вежливый"),
    ("Honest", "Честный"),
    ("Modest", "Скромный"),
    ("Cheerful", "Бодрый"),
    ("Lonely", "Одинокий"),
    ("Patient", "Терпеливый"),
    ("Playful", "Игривый"),
    ("Starry", "Звёздный"),
    ("Misty", "Туманный"),
    ("Sunny", "Солнечный"),
    ("Snowy", "Снежный"),
    ("Velvet", "Бархатный"),
    ("Crimson", "Алый"),
    ("Northern", "Северный"),
    ("Southern", "Южный"),
    ("Midnight", "Полночный"),
    ("Morning", "Утренний"),
    ("Thoughtful", "Задумчивый"),
    ("Mysterious", "Загадочный"),
    ("Sincere", "Искренний"),
    ("Careful", "Осторожный"),
)


def pseudonym(
    settings: Settings, *, sender_id: int, recipient_id: int, language: str | None
) -> str:
    """How this sender appears to this recipient, in the recipient's language."""
    digest = int(keyed_hash(settings, "pseudonym", sender_id, recipient_id), 16)
    emoji, animal_en, animal_ru = ANIMALS[digest % len(ANIMALS)]
    adjective_en, adjective_ru = ADJECTIVES[(digest // len(ANIMALS)) % len(ADJECTIVES)]
    if _russian(language):
        return f"{emoji} {adjective_ru} {animal_ru}"
    return f"{emoji} {adjective_en} {animal_en}"


def _russian(language: str | None) -> bool:
    return bool(language) and (language or "").split("-")[0].lower() == "ru"


def for_view(settings: Settings, view: ConfessionView, language: str | None) -> str | None:
    """The name its recipient knows the sender by; none once the sender is named (signed, or
    a mutual match), and none for a confession nobody has received yet."""
    if view.sender_shown or view.confession.recipient_id is None:
        return None
    return pseudonym(
        settings,
        sender_id=view.confession.sender_id,
        recipient_id=view.confession.recipient_id,
        language=language,
    )


def shown_to(settings: Settings, reader: ReaderView, language: str | None) -> str | None:
    """Only the recipient sees one: the sender knows who they are."""
    if reader.role != Role.RECIPIENT:
        return None
    return for_view(settings, reader.view, language)


def language_of(party: Party) -> str | None:
    """A stored user and a vouched-for identity both carry Telegram's language code."""
    language = getattr(party, "language_code", None)
    return language if isinstance(language, str) else None
