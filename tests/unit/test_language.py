from shopdesk.language import looks_non_english


def test_other_languages_are_recognised() -> None:
    assert looks_non_english("¿Dónde está mi pedido?")
    assert looks_non_english("Wo ist meine Bestellung? Ich warte seit einer Woche und das ist nicht ok")
    assert looks_non_english("Où est ma commande, je suis inquiet")
    assert looks_non_english("Где мой заказ?")
    assert looks_non_english("我的订单在哪里")
    assert looks_non_english("¿Dónde está mi pedido? Lo pedí hace dos semanas y no ha llegado.")


def test_english_and_fragments_are_not_flagged() -> None:
    for text in ("where is my order", "track parcel", "100234", "🙂🙂", "", "la la land tickets?",
                 "my order from Málaga is late", "café au lait mug"):
        assert not looks_non_english(text), text
