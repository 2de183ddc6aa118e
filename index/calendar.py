"""Calendar words, in one place: the splitter, the speaker finder and the answer-type rules
all need to know that "Tuesday" and "March" are dates, not names or sentence starts."""

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                             "sunday")
MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july",
                           "august", "september", "october", "november", "december")
#: Abbreviated months as news print them (without the period).
MONTH_ABBREVIATIONS: tuple[str, ...] = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                                        "sept", "oct", "nov", "dec")
