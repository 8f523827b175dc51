"""Norwegian (bokmål) text templates for the benchmark corpus: municipal prevention plans and interviews.

Everything here is written for the benchmark; municipalities are generated from
syllables and are fictional. ``{slot}`` marks are filled by ``bench/make_corpus.py``
(see ``SLOTS`` there); ``~`` marks a hyphenation point the PDF renderer may use.
"""

# --------------------------------------------------------------------------- names

NAME_HEADS = [
    "Fjell", "Haug", "Lauv", "Nord", "Sol", "Berg", "Elve", "Li", "Sand", "Strand", "Øy", "Dal", "Mo",
    "Hol", "Rød", "Sjø", "Kvit", "Grønn", "Stein", "Furu", "Bjørke", "Rogn", "Ask", "Lyng", "Myr", "Torv",
    "Vass", "Brei", "Smal", "Ve", "Aust", "Syd", "Fager", "Lang", "Kort", "Høg", "Låg", "Rime", "Snø",
    "Vind", "Skog", "Eng", "Åker", "Tind", "Fonn", "Isdal", "Kvern", "Mølle", "Bru", "Ferje",
]
NAME_TAILS = [
    "vik", "dal", "heim", "berg", "nes", "øy", "stad", "fjord", "åsen", "sund", "bakken", "land", "eng",
    "voll", "mark", "rud", "lia", "haug", "bø", "våg", "set", "tun", "ly", "strand", "moen", "elva",
]
REGIONS = ["Nord", "Midt", "Vest", "Sør", "Øst"]
# Statistics Norway's size classes, weighted roughly like the country's municipalities
SIZE_CLASSES = [("1", 10), ("2", 22), ("3", 24), ("4", 18), ("5.1", 9), ("5.2", 6), ("6.1", 6), ("6.2", 5)]

# --------------------------------------------------------------------------- fillers

SERVICES = [
    "helse~stasjonen", "skole~helse~tjenesten", "barne~hagene", "skolene", "SFO", "PPT",
    "barne~vern~tjenesten", "NAV", "kultur og fritid", "psykisk helse og rus", "tannhelse~tjenesten",
    "flyktning~tjenesten", "familie~teamet", "ungdoms~kontakten", "fritids~klubben", "utekontakten",
    "frisklivs~sentralen", "fysio~terapi~tjenesten", "kommune~psykologen", "Familiens hus",
]
SERVICE_TITLES = [
    "Helsestasjon og skolehelsetjeneste", "Barnehage", "Skole og SFO", "PPT", "Barneverntjenesten", "NAV",
    "Kultur og fritid", "Psykisk helse og rus", "Tannhelsetjenesten", "Flyktningtjenesten", "Familieteamet",
    "Frivillig sektor", "Fastleger", "Politiet og SLT",
]
PROGRAMS = [
    "ICDP", "PMTO", "TIBIR", "De utrolige årene", "Marte Meo", "COS-P", "BTI", "Familie~råd",
    "Nyfødt~intervensjon", "Nurse-Family Partnership", "Zippys venner", "Mitt valg", "MOT", "Fri",
    "Ungdata junior", "Trygg oppvekst", "Foreldre~veiledning i grupper", "Tidlig inn",
]
SOURCES = ["Ungdata", "KOSTRA", "oppvekst~profilen", "folke~helse~profilen", "elev~undersøkelsen",
           "barne~vern~tjenestens fag~system", "SSB", "Bufdir sin statistikk", "skolenes fraværs~statistikk"]
GROUPS = [
    "gravide og små~barns~familier", "barn 0–6 år", "elever på barne~trinnet", "ungdom 13–18 år",
    "unge 16–23 år", "familier med lav inntekt", "barn som pårørende", "enslige mindre~årige flyktninger",
    "foreldre med rus- eller psykiske vansker", "barn med høyt skole~fravær", "nye innbyggere",
    "barn med funksjons~nedsettelse", "barn i lavinntekts~familier", "ungdom utenfor skole og arbeid",
]
FORA = ["oppvekst~forum", "BTI-teamet", "det tverr~faglige teamet", "ressurs~teamet", "SLT-gruppen",
        "koordinerings~gruppen", "samarbeids~møtet for oppvekst", "styrings~gruppen for barn og unge",
        "tverr~faglig forum", "familie~teamets drøftings~møte"]
LEADERS = ["kommune~direktøren", "kommunal~sjef for oppvekst", "kommunal~sjef for helse og velferd",
           "oppvekst~sjefen", "rådmannen", "leder for barne~vern~tjenesten", "ledergruppen",
           "kommunal~sjef for helse og omsorg"]
RISK = ["omsorgs~svikt", "atferds~problemer", "rus~problemer", "psykiske vansker", "mobbing",
        "skole~fravær", "ensomhet", "vold i nære relasjoner", "lav inntekt", "utenforskap",
        "digital mobbing", "kriminalitet", "frafall i videre~gående skole"]
PROTECT = ["trygge voksne", "gode venner", "mestring i skolen", "en meningsfull fritid", "stabil bolig",
           "foreldre som har overskudd", "tilhørighet i nærmiljøet", "et godt skole~miljø"]
INDICATORS = [
    ("Andel unge som oppgir mye ensomhet", "Ungdata"),
    ("Andel unge med i organisert fritidsaktivitet", "Ungdata"),
    ("Andel elever som opplever mobbing", "elevundersøkelsen"),
    ("Andel som fullfører videregående innen fem år", "oppvekstprofilen"),
    ("Andel barn i lavinntektsfamilier", "SSB"),
    ("Andel meldinger fra helsestasjon og barnehage", "KOSTRA"),
    ("Andel barn med tiltak utenfor hjemmet", "KOSTRA"),
    ("Andel barn med hjelpetiltak i hjemmet", "KOSTRA"),
    ("Antall foreldre i veiledningsgrupper per år", "kommunens tall"),
    ("Andel 10. klassinger som har drukket seg beruset", "Ungdata"),
    ("Andel elever med mer enn 10 % fravær", "skolenes statistikk"),
    ("Andel barnehager med program for sosial kompetanse", "kommunens tall"),
]
MEASURES = [
    ("Helsestasjon", "ICDP-grupper for alle førstegangsforeldre", "U", "Foreldre 0–3 år"),
    ("Helsestasjon", "Hjemmebesøk av helsesykepleier og jordmor", "U", "Nyfødte"),
    ("Helsestasjon", "COS-P for foreldre med samspillsvansker", "S", "Foreldre 0–6 år"),
    ("Skolehelsetjenesten", "Åpen dør og samtalegrupper", "U/S", "Elever 6–19 år"),
    ("Barnehage", "Program for sosial kompetanse", "U", "Alle barnehagebarn"),
    ("Barnehage", "Språkgrupper og tidlig kartlegging", "S", "Barn med språkvansker"),
    ("Skole", "Skolemiljøteam og aktivitetsplikt", "U", "Alle elever"),
    ("Skole", "Fraværsteam med fast oppfølging", "S", "Elever med høyt fravær"),
    ("Skole", "Leksehjelp og ressursgrupper", "S", "Elever på mellomtrinnet"),
    ("PPT", "Veiledning i klasseledelse og TIBIR-moduler", "U/S", "Ansatte i barnehage og skole"),
    ("Barneverntjenesten", "Rådgivningsteam med anonyme drøftinger", "S", "Ansatte i alle tjenester"),
    ("Barneverntjenesten", "Familieteamet: PMTO og Marte Meo", "I", "Familier med barn med atferdsvansker"),
    ("Barneverntjenesten", "Familieråd før tiltak", "I", "Familier i barneverntjenesten"),
    ("NAV", "Barnefattigdomsteam og bostøtte", "S", "Familier med lav inntekt"),
    ("NAV", "Ungdomsloser", "I", "Unge 16–24 år utenfor skole og arbeid"),
    ("Kultur og fritid", "Fritidskortet og gratis sommeraktiviteter", "U", "Barn og unge 6–18 år"),
    ("Kultur og fritid", "Fritidsklubber i bydelene", "S", "Ungdom 13–18 år"),
    ("Psykisk helse og rus", "Lavterskeltilbud for barn og unge", "S/I", "Barn og unge 10–23 år"),
    ("Psykisk helse og rus", "Barn som pårørende", "I", "Barn av foreldre med vansker"),
    ("Politiet og SLT", "Bekymringssamtaler og ungdomskontrakter", "I", "Ungdom 12–18 år"),
    ("Frivillig sektor", "Foreldrenettverk og natteravner", "U", "Foreldre og ungdom"),
    ("Flyktningtjenesten", "Foreldreveiledning for nye innbyggere", "S", "Flyktningfamilier"),
]

# --------------------------------------------------------------------------- plan chapters
# Each chapter: alternative headings, subsections (alternative headings), sentence templates.
# Slots: {K} municipality, {Kg} its genitive, {kommune} "X kommune", {år} {år2} plan period,
# {tjeneste} {tjeneste2} services, {program}, {kilde}, {gruppe}, {forum}, {leder}, {risiko},
# {beskytt}, {pst} {pst2} percentages, {n} small number, {årsverk}, {dato}, {sak}.

CHAPTERS = {
    "innledning": dict(
        headings=["Innledning", "Om planen", "Bakgrunn og formål", "Innledning og bakgrunn"],
        subs=[["Bakgrunn"], ["Formål med planen", "Formål"], ["Lovgrunnlag", "Lovgrunnlag og nasjonale føringer"],
              ["Planprosess og medvirkning", "Slik er planen laget"], ["Sammenheng med andre planer", "Forankring i planverket"],
              ["Avgrensning og målgruppe", "Målgruppe"]],
        sentences=[
            "Barne~verns~reformen trådte i kraft 1. januar 2022, og den gir kommunen et større faglig og økonomisk ansvar for barne~vernet.",
            "Etter barne~vern~loven § 15-1 skal kommunen arbeide for å forebygge omsorgs~svikt og atferds~problemer.",
            "Kommune~styret skal selv vedta en plan for det fore~byggende arbeidet, og planen skal beskrive mål, organisering, ansvars~fordeling og samarbeid.",
            "Denne planen er {Kg} svar på kravet i barne~vern~loven § 15-1, jf. også opp~vekst~reformen.",
            "Planen gjelder for perioden {år}–{år2} og rulleres hvert {hvert}. år.",
            "Formålet med planen er å gi politikere, ledere og ansatte et felles grunnlag for det fore~byggende arbeidet for barn og unge fra 0 til 23 år.",
            "Planen skal gjøre det tydelig hvem som gjør hva, hvordan tjenestene jobber sammen, og hvordan vi vet om vi lykkes.",
            "Planen er utarbeidet av en tverr~faglig arbeids~gruppe med representanter fra {tjeneste}, {tjeneste2}, barne~vern~tjenesten og NAV.",
            "Ungdoms~rådet og {n} elevråd har gitt innspill til planen, og innspillene er samlet i et vedlegg til saken.",
            "Planen bygger på kommune~planens samfunns~del, der gode oppvekst~vilkår er et av hoved~satsings~områdene.",
            "Planen ses i sammenheng med folke~helse~planen, rus~politisk handlings~plan og plan for psykisk helse.",
            "Tiltak som krever midler, løftes inn i handlings~programmet og økonomi~planen hvert år.",
            "Barne~konvensjonen artikkel 3 og 12 ligger til grunn: barnets beste skal være et grunnleggende hensyn, og barn har rett til å bli hørt.",
            "Endringene i velferds~tjeneste~lovene fra 2022 gir tjenestene en plikt til å samarbeide og til å utpeke en barne~koordinator når familien trenger det.",
            "Målgruppen er alle barn og unge i {K} og deres familier, med særlig vekt på {gruppe}.",
            "Planen er vedtatt i kommune~styret {dato}, sak {sak}.",
            "Arbeidet med planen startet med en kartlegging av hva tjenestene allerede gjør, og hvor det er hull i tilbudet.",
            "Det har vært en forutsetning at planen skal være kort, praktisk og mulig å bruke i det daglige arbeidet.",
        ],
    ),
    "begreper": dict(
        headings=["Sentrale begreper", "Begreper og teoretisk ramme", "Begreper"],
        subs=[["Forebygging"], ["Tidlig innsats"], ["Forebyggingsnivåer", "Forebyggingstrekanten"],
              ["Risiko- og beskyttelsesfaktorer"]],
        sentences=[
            "Forebygging er innsats som skal hindre at problemer oppstår, eller at de utvikler seg og blir varige.",
            "Vi bruker fore~byggings~trekanten med tre nivåer: universell, selektiv og indikativ forebygging.",
            "Universell forebygging retter seg mot alle barn og unge, uavhengig av risiko.",
            "Selektiv forebygging retter seg mot grupper med forhøyet risiko, for eksempel {gruppe}.",
            "Indikativ forebygging retter seg mot enkelt~barn og familier der det allerede er tegn på vansker.",
            "Tidlig innsats betyr både innsats tidlig i livet og innsats tidlig i utviklingen av et problem.",
            "Rett hjelp til rett tid forutsetter at ansatte fanger opp bekymring og vet hva de skal gjøre med den.",
            "Risiko~faktorer som {risiko} og {risiko2} øker sannsynligheten for at barn får vansker senere.",
            "Beskyttelses~faktorer som {beskytt} og {beskytt2} gjør at mange barn klarer seg godt selv om de har det vanskelig.",
            "Et økologisk perspektiv ser barnet i sine omgivelser: familien, barne~hagen, skolen, venner og nærmiljøet.",
            "Det er ikke et skarpt skille mellom nivåene, og mange tiltak virker på flere nivåer samtidig.",
            "Kjerne~barne~vernet er barne~vern~tjenestens lovpålagte oppgaver, og forebygging er et ansvar for hele kommunen.",
            "Helse~fremmende arbeid handler om å styrke det som gjør at barn og unge trives og mestrer.",
        ],
    ),
    "status": dict(
        headings=["Kunnskapsgrunnlag", "Status og utfordringer", "Levekår for barn og unge i {K}",
                  "Kunnskapsgrunnlag og utfordringer", "Oppvekst i {K} i dag"],
        subs=[["Befolkning og levekår"], ["Barnehage og skole"], ["Psykisk helse og rus"], ["Barnevern"],
              ["Hva sier barn og unge selv?"]],
        sentences=[
            "{K} har om lag {innbyggere} innbyggere, og {pst} av dem er under 18 år.",
            "Andelen barn som vokser opp i familier med vedvarende lav inntekt, er {pst}, mot {pst2} i landet.",
            "Ifølge {kilde} oppgir {pst} av ungdommene at de er fornøyd med lokal~miljøet.",
            "{pst} av elevene på ungdoms~trinnet svarer i {kilde} at de har vært plaget av ensomhet den siste uka.",
            "Barne~vern~tjenesten mottok {meldinger} meldinger i {år0}, og {pst} av dem kom fra skole og barne~hage.",
            "Antallet barn med tiltak utenfor hjemmet har gått ned fra {n2} til {n} de siste tre årene.",
            "Utgiftene til barne~vern har økt etter reformen, særlig kommunens egen~andel for institusjons~plasser.",
            "Fraværet i ungdoms~skolen har økt etter pandemien, og {pst} av elevene hadde mer enn ti prosent fravær.",
            "{pst} av ungdommene deltar i organiserte fritids~aktiviteter, noe som er lavere enn lands~snittet.",
            "Tallene er små, og enkelt~år kan svinge mye; vi ser derfor på utviklingen over flere år.",
            "Kunnskaps~grunnlaget viser at mange av utfordringene henger sammen med {risiko} og {risiko2}.",
            "Kommunen har en høyere andel barn med hjelpe~tiltak enn sammen~lignbare kommuner i KOSTRA-gruppe {n}.",
            "Innspill fra barn og unge peker på behov for flere møte~plasser og voksne å snakke med.",
            "I {kilde} svarer {pst} at de har en voksen de kan snakke med om det som er vanskelig.",
            "Kartleggingen viser at tjenestene har mange gode tiltak, men at tilbudet er lite kjent og dårlig koordinert.",
        ],
    ),
    "mål": dict(
        headings=["Mål og strategier", "Mål og satsingsområder", "Visjon og mål", "Mål for det forebyggende arbeidet"],
        subs=[["Overordnet mål", "Hovedmål", "Visjon"], ["Delmål", "Delmål med indikatorer", "Måltall for planperioden"],
              ["Strategier", "Satsingsområder og strategier"]],
        sentences=[
            "Alle barn og unge i {K} skal ha en trygg oppvekst, oppleve mestring og tilhørighet, og få rett hjelp til rett tid.",
            "Hoved~målet er færre barn som utsettes for {risiko}, og flere som fullfører skole og kommer i arbeid.",
            "Delmålene er målbare, og utgangs~verdiene er hentet fra {kilde} og KOSTRA.",
            "Målet er å redusere andelen barn med tiltak utenfor hjemmet fra {pst} til {pst2} innen {år2}.",
            "Flere foreldre skal få tilbud om veiledning, og målet er {foreldre} deltakere per år.",
            "Bekymring for barn skal oppdages tidligere, og andelen meldinger fra helse~stasjon og barne~hage skal øke.",
            "Vi prioriterer ressurser til de første leve~årene og til barn i barne~hage og på barne~trinnet.",
            "Strategien er å styrke de universelle tjenestene, slik at færre trenger hjelp fra barne~vernet.",
            "Kommunen skal dreie innsatsen fra reparasjon til forebygging, i tråd med intensjonen i barne~verns~reformen.",
            "Alle tjenester skal bruke en felles modell for å ta opp uro, slik at ansatte vet hva de skal gjøre.",
            "Måloppnåelsen rapporteres i den årlige tilstands~rapporten for oppvekst.",
            "Målene er utformet sammen med ungdoms~rådet og skal være forståelige for barn og unge selv.",
            "Innen {år2} skal {pst} av barne~hagene og skolene ha tatt i bruk {program}.",
        ],
    ),
    "ansvar": dict(
        headings=["Ansvarsfordeling", "Tjenestenes ansvar og oppgaver", "Ansvarsfordeling mellom tjenestene",
                  "Hvem gjør hva"],
        subs="services",
        sentences=[
            "{tjeneste} har ansvar for {program} og for å fange opp barn som strever.",
            "{tjeneste} har ansvar for å følge opp {gruppe}, og skal ta kontakt med foreldrene tidlig.",
            "Barne~vern~tjenesten har ansvar for råd og veiledning til de andre tjenestene, og for tiltak etter barne~vern~loven.",
            "Helse~stasjonen når nesten alle familier med små barn og har derfor en nøkkel~rolle i det universelle arbeidet.",
            "Barne~hagene har ansvar for et godt psyko~sosialt miljø og for å følge med på barnas språk og utvikling.",
            "Skolene har ansvar for et trygt og godt skole~miljø etter opplærings~loven kapittel 12.",
            "PPT veileder barne~hager og skoler i arbeidet med barn som har særskilte behov.",
            "NAV har ansvar for økonomisk rådgivning og for oppfølging av unge under 25 år.",
            "Kultur og fritid har ansvar for fritids~kortet og for møte~plasser for ungdom.",
            "Psykisk helse og rus har ansvar for lav~terskel~tilbud og for barn som pårørende.",
            "Hver tjeneste har ansvar for å gjøre sine tilbud kjent for de andre tjenestene og for innbyggerne.",
            "Ansvaret for å koordinere tjenestene ligger hos {leder}, som rapporterer til kommune~direktøren.",
            "Den som først blir bekymret, har ansvar for å handle, enten ved å snakke med foreldrene eller ved å drøfte saken anonymt.",
            "Tabellen under viser hvilken tjeneste som har ansvar for hvilke tiltak.",
            "Ansvaret følger tjenesten, ikke personen, slik at det ikke blir borte når noen slutter.",
        ],
    ),
    "organisering": dict(
        headings=["Organisering av arbeidet", "Organisering og ledelse", "Organisering", "Styring og organisering"],
        subs=[["Eierskap og ledelse", "Ansvar og styring"], ["Styringsgruppe"], ["Koordinator for forebyggende arbeid",
              "BTI-koordinator"], ["Tverrfaglig koordineringsteam", "Forebyggende team"], ["Årlig rullering", "Revisjon"]],
        sentences=[
            "{leder} eier planen og har det overordnede ansvaret for at den følges opp.",
            "Styrings~gruppen består av kommunal~sjefene for oppvekst og for helse og velferd, leder for barne~vern~tjenesten og NAV-lederen.",
            "Styrings~gruppen møtes {n} ganger i året og behandler status for tiltakene i planen.",
            "Kommunen har en koordinator for forebyggende arbeid i {pst} stilling, organisert under {leder}.",
            "Koordinatoren leder {forum} og sørger for at planen blir fulgt opp i tjenestene.",
            "{forum} møtes hver måned og drøfter saker anonymt eller med samtykke fra foreldrene.",
            "Det forebyggende arbeidet er organisert i tre nivåer: styrings~gruppen, koordinatoren og de tverr~faglige teamene i skole~kretsene.",
            "Planen rulleres hvert {hvert}. år, og tiltaks~delen oppdateres årlig i forbindelse med budsjettet.",
            "Hver virksomhet skal ha en kontakt~person for det forebyggende arbeidet.",
            "Organiseringen bygger på eksisterende møte~strukturer, slik at planen ikke gir flere møter enn nødvendig.",
            "Arbeidet er organisert i Familiens hus, der helse~stasjon, PPT, familie~team og barne~vern er samlokalisert.",
            "Kommunen er med i et interkommunalt samarbeid om barne~vern med {K2} og {K3}, og organiseringen tar hensyn til det.",
            "Ledelsen har et særlig ansvar for at ansatte får tid og kompetanse til å jobbe fore~byggende.",
        ],
    ),
    "samarbeid": dict(
        headings=["Samarbeid mellom tjenestene", "Samarbeid og samhandling", "Tverrfaglig samarbeid",
                  "Samarbeid"],
        subs=[["BTI – Bedre tverrfaglig innsats", "BTI som felles modell"], ["Faste samarbeidsfora", "Faste møtepunkter"],
              ["Samarbeidsavtaler og rutiner", "Samarbeidsavtaler"], ["Å ta opp uro", "Å ta opp uro og samtaler med barn"],
              ["Samarbeid med frivillige og foreldre"], ["Interkommunalt samarbeid"]],
        sentences=[
            "Tjenestene skal samarbeide om barn og familier som trenger hjelp fra flere, og samarbeidet skal være forutsigbart.",
            "Kommunen bruker BTI-modellen, med en stafett~logg som følger barnet mellom tjenestene.",
            "Samarbeids~avtalen mellom barne~vern~tjenesten og barne~hagene revideres hvert år.",
            "{forum} er det viktigste samarbeids~foraet mellom {tjeneste} og {tjeneste2}.",
            "Alle ansatte skal kjenne veilederen for å ta opp uro, og bruke den når de er bekymret for et barn.",
            "Samarbeidet med foreldrene er avgjørende, og foreldre skal møtes med respekt og åpenhet.",
            "Frivillige lag og foreninger er viktige samarbeids~partnere i det universelle arbeidet.",
            "Samarbeidet med politiet skjer gjennom SLT-modellen og faste møter med politi~kontakten.",
            "Det er inngått en samarbeids~avtale med spesialist~helse~tjenesten om barn og unge med psykiske vansker.",
            "Barne~koordinatoren skal sørge for at familier med store behov får et samordnet tilbud.",
            "Taushets~plikten er ikke til hinder for samarbeid når foreldrene samtykker, og ansatte skal få opplæring i dette.",
            "Barne-, ungdoms- og familie~tjenestene samarbeider om felles kartlegging ved overganger.",
            "Helse- og omsorgs~tjenesten og oppvekst~sektoren har felles rutiner for barn som pårørende.",
            "Overgangen fra barne~hage til skole og fra ungdoms~skole til videre~gående er prioriterte samarbeids~områder.",
            "Samhandlingen mellom tjenestene evalueres årlig i {forum}.",
        ],
    ),
    "tiltak": dict(
        headings=["Tiltak", "Tiltaksoversikt", "Handlingsdel {år}–{år2}", "Tiltak i tiltakstrappa"],
        subs=[["Universelle tiltak", "Grønt trinn – for alle"], ["Selektive tiltak", "Gult trinn – for noen"],
              ["Indikative tiltak", "Rødt trinn – for få"]],
        sentences=[
            "{program} tilbys alle foreldre med barn i alderen 0–{n} år.",
            "Kommunen viderefører {program} og utvider tilbudet til flere barne~hager i planperioden.",
            "Tiltaket retter seg mot {gruppe} og skal redusere {risiko}.",
            "Familie~teamet gir veiledning i hjemmet til familier med barn som har atferds~vansker.",
            "Alle ungdoms~skoler skal ha et lav~terskel~tilbud der elevene kan snakke med en voksen uten time~avtale.",
            "Fritids~kortet gir barn fra 6 til 18 år mulighet til å delta i én aktivitet gratis.",
            "Rådgivnings~teamet gir ansatte mulighet til å drøfte bekymringer anonymt med barne~vernet.",
            "Tiltaket finansieres innenfor eksisterende rammer, og {tjeneste} har ansvar for gjennomføringen.",
            "Kostnaden er beregnet til {kroner} kroner per år og er innarbeidet i økonomi~planen.",
            "Tiltakene er ordnet etter nivå i tiltaks~trappa, slik at det er lett å se hva som finnes for alle, for noen og for få.",
            "Nye tiltak skal bygge på kunnskap om hva som virker, og {program} er valgt fordi det er godt dokumentert.",
            "{tjeneste} starter en samtale~gruppe for {gruppe} fra {år}.",
        ],
    ),
    "kompetanse": dict(
        headings=["Kompetanse", "Kompetanseheving", "Kompetanse og kapasitet"],
        subs=[["Felles kompetanseplan"], ["Opplæring i metoder"]],
        sentences=[
            "Alle ansatte i barne~hage og skole skal få opplæring i å ta opp uro og i samtaler med barn.",
            "Kommunen har en felles kompetanse~plan for oppvekst, og forebygging er et gjennomgående tema.",
            "{n} ansatte er sertifisert i {program}, og målet er å doble tallet i planperioden.",
            "Barne~vern~tjenesten holder årlige kurs om melde~plikt og opplysnings~plikt for de andre tjenestene.",
            "Kompetanse~hevingen skal skje i tverr~faglige grupper, slik at ansatte blir kjent med hverandre.",
            "Rekruttering og stabilitet er en utfordring, og kommunen vil satse på å beholde erfarne ansatte.",
            "Nyansatte får en introduksjon til planen og til samarbeids~rutinene.",
        ],
    ),
    "medvirkning": dict(
        headings=["Barn og unges medvirkning", "Medvirkning", "Barn og unges stemme"],
        subs=[["Medvirkning i planarbeidet"], ["Medvirkning i egen sak"]],
        sentences=[
            "Barn og unge har rett til å si sin mening i saker som angår dem, og meningen skal tillegges vekt.",
            "Ungdoms~rådet skal høres før planen rulleres, og har fast plass i {forum}.",
            "Barn skal få informasjon tilpasset alder og modenhet, og samtaler med barn skal dokumenteres.",
            "Kommunen vil prøve ut ungdoms~paneler der unge gir tilbake~melding på tjenestene.",
            "Foreldre~rådene i barne~hage og skole er viktige kanaler for medvirkning fra foreldre.",
            "Medvirkning skal være reell, ikke en formalitet, og det skal komme fram hva innspillene har ført til.",
        ],
    ),
    "evaluering": dict(
        headings=["Oppfølging og evaluering", "Evaluering og oppfølging", "Oppfølging av planen", "Rullering og evaluering"],
        subs=[["Rapportering"], ["Indikatorer"], ["Revisjon av planen"]],
        sentences=[
            "Hver tjeneste rapporterer status på sine tiltak til styrings~gruppen i september.",
            "Koordinatoren sammenstiller rapportene og legger dem fram for utvalg for oppvekst.",
            "Indikatorene følges med data fra {kilde}, KOSTRA og barne~vern~tjenestens fag~system.",
            "Resultatene presenteres i kommunens års~melding og i tilstands~rapporten for oppvekst.",
            "Planen evalueres i {år2}, og evalueringen skal bruke både tall og erfaringer fra brukere og ansatte.",
            "Der målene ikke nås, skal styrings~gruppen foreslå endringer i tiltakene.",
            "Evalueringen skal også se på om samarbeidet mellom tjenestene har blitt bedre.",
            "Kommunen vil be om en ekstern gjennomgang av det fore~byggende arbeidet i løpet av planperioden.",
        ],
    ),
}

BULLET_TEMPLATES = [
    "Strategi {n} – Tidlig innsats: vi reagerer tidlig når vi ser tegn til vansker, uansett alder.",
    "Styrke foreldre~rollen: alle foreldre skal få tilbud om veiledning.",
    "Helhetlige tjenester: tjenestene skal samarbeide slik at familier møter én dør inn.",
    "Barn og unges medvirkning: barn og unge skal høres i saker som angår dem.",
    "Trygge oppvekst~miljøer: barne~hager, skoler og fritids~tilbud skal være inkluderende.",
    "{program} i alle barne~hager innen {år2}.",
    "Fast tverr~faglig team i hver skole~krets.",
    "Ansvaret for oppfølging av {gruppe} ligger hos {tjeneste}.",
    "Årlig rapport til kommune~styret om status for planen.",
    "Felles rutine for å ta opp uro i alle tjenester.",
    "Lav~terskel~tilbud for {gruppe}.",
    "Gratis deltakelse i minst én fritids~aktivitet for alle barn.",
]

# --------------------------------------------------------------------------- interviews

INTERVIEW_TOPICS = {
    "rolle": dict(
        questions=["Kan du begynne med å si litt om deg selv og rollen din?", "Hvor lenge har du jobbet i {K}?",
                   "Hva består jobben din av i det daglige?"],
        answers=[
            "jeg har vært {rolle_lang} i {K} i snart {n} år",
            "før det jobbet jeg som saksbehandler i en annen kommune, så jeg har vært i feltet lenge",
            "vi er en tjeneste på rundt {årsverk} årsverk, og det er jo ikke så mye når man ser på alt vi skal gjøre",
            "jeg sitter i ledergruppen for oppvekst, så jeg får med meg mye av det som skjer",
            "det er mye møter, det er mye personal, og så er det de vanskelige sakene som havner på mitt bord",
            "koordinator~rollen er i {pst} av stillingen, og resten er andre oppgaver",
            "jeg kom hit som helse~sykepleier, og så har det bare vokst seg til å bli noe annet",
        ],
    ),
    "forebygging": dict(
        questions=["Hva legger du i begrepene forebygging og tidlig innsats?", "Skiller du mellom forebygging og tidlig innsats?",
                   "Hvordan snakker dere om forebygging i kommunen?"],
        answers=[
            "forebygging, det er alt det som skjer før det blir et problem",
            "tidlig innsats er når du ser at noe er i ferd med å skje, og så går du inn tidlig",
            "det er ikke barne~vernets hoved~oppgave å forebygge, det er helse~stasjonen, barne~hagen og skolen",
            "vi har brukt forebyggings~trekanten mye, den med universell, selektiv og indikativ, for å få et felles språk",
            "når folk sier forebygging, så mener de alt mulig, fra en fotball~bane til at barne~vernet skal inn tidligere",
            "en femtenåring kan også trenge tidlig innsats, hvis problemet er nytt",
            "for meg handler det om å styrke det som gjør at barn klarer seg godt",
            "rett hjelp til rett tid, det er jo det alle sier, men det er vanskelig å få til i praksis",
        ],
    ),
    "reformen": dict(
        questions=["Hvordan opplever du at reformen har påvirket arbeidet?", "Hva har barnevernsreformen betydd for dere?",
                   "Har økonomien endret seg etter reformen?"],
        answers=[
            "egen~andelene for institusjon har gått kraftig opp, så et barn på institusjon er store penger for en kommune på vår størrelse",
            "politikerne har fått øynene opp for at det lønner seg å gjøre noe tidligere",
            "reformen har gitt oss et større ansvar, men ikke nødvendigvis mer penger",
            "vi har brukt reformen som en anledning til å se på hele opp~vekst~feltet under ett",
            "det har blitt mer oppmerksomhet om fosterhjem og om å bruke familie og nettverk",
            "jeg tror det er for tidlig å si om reformen virker, men retningen er riktig",
            "vi hadde et år der to plasseringer kostet nesten like mye som hele kultur~budsjettet",
        ],
    ),
    "planen": dict(
        questions=["Hvordan laget dere planen?", "Hvem var med i arbeidet med planen?", "Hvilken rolle har planen fått i kommunen?",
                   "Brukes planen i det daglige?"],
        answers=[
            "vi hadde en liten arbeids~gruppe med helse~sykepleieren, barne~vern~lederen og NAV-lederen",
            "det viktigste for meg var å få på plass hvem som har ansvar for hva",
            "vi lagde en tabell der hver tjeneste har sitt ansvar, og den er jeg fornøyd med",
            "planen er et oppslags~verk, kanskje, når det er uenighet om ansvar så ser vi i tabellen",
            "jeg er redd den blir en plan som ligger i en skuff",
            "den ble vedtatt enstemmig, uten mye diskusjon, det er jo ikke kontroversielt å være for forebygging",
            "vi skrev den ganske raskt fordi fristen kom, og det merkes nok",
            "den har gitt oss en felles introduksjon for nyansatte, som vi har hver august",
            "målene i planen er nok litt svake, vi har egentlig bare et overordnet mål",
        ],
    ),
    "samarbeid": dict(
        questions=["Hvordan fungerer samarbeidet mellom tjenestene?", "Og samarbeidet med NAV?",
                   "Har dere faste samarbeids~fora?", "Hvordan er samarbeidet med skolene?"],
        answers=[
            "vi samarbeider jo hele tiden, men det er uformelt, vi ringer hverandre og møtes i gangen",
            "vi har et fast tverr~faglig team som møtes en gang i måneden, og der kan skolene ta opp saker anonymt",
            "NAV er ikke så mye inne i arbeidet med barn og unge hos oss, ikke ennå i hvert fall",
            "samarbeidet med helse~stasjonen er veldig godt, de ringer oss tidlig",
            "skolene har vært litt redde for å melde, fordi de tror at barne~vernet tar barna",
            "det er mye taushets~plikt som står i veien, eller det er i hvert fall det folk tror",
            "BTI har hjulpet, for da vet alle hva neste steg er",
            "det er personavhengig, hvis en rektor slutter så må vi begynne på nytt",
            "vi har samarbeids~avtaler med alle barne~hagene, og de revideres hvert år",
        ],
    ),
    "barnevernet": dict(
        questions=["Hvordan ser du på barnevernets rolle i det forebyggende arbeidet?", "Skal barnevernet drive forebygging?"],
        answers=[
            "barne~vernet er en spesialisert tjeneste, og vi skal ha de riktige sakene",
            "vi gir råd og veiledning til de andre tjenestene, og det bruker vi mye tid på",
            "i en liten kommune er det ikke så lett å skille, for vi har kompetansen på foreldre~veiledning",
            "kjerne~barne~vernet må ikke bli skadelidende fordi vi skal drive forebygging",
            "vi har et familie~team som jobber med PMTO og Marte Meo, og det er egentlig forebyggende",
            "jeg vil ikke at barne~vernet skal være den som forebygger, da kommer vi for sent inn",
        ],
    ),
    "hindringer": dict(
        questions=["Hva ser du som de største hindringene?", "Hva gjør det vanskelig å jobbe forebyggende?"],
        answers=[
            "rekruttering og stabilitet, det er nummer én, to og tre",
            "når det er vakanser, så er det ingen som har tid til forebygging, da er det bare brann~slukking",
            "økonomien er stram, og forebygging er det første som blir kuttet",
            "vi er få, og avstandene er store, så det er vanskelig å ha et tilbud overalt",
            "det er mange prosjekter som kommer og går, og så blir det ikke videreført når pengene tar slutt",
            "siloene er der fortsatt, hver tjeneste har sitt budsjett og sine mål",
            "det er vanskelig å vise resultater av forebygging, for det er jo det som ikke skjer",
        ],
    ),
    "suksess": dict(
        questions=["Hva har vært viktig for å lykkes?", "Hva er du mest fornøyd med?"],
        answers=[
            "det interkommunale samarbeidet gir oss tilgang på kompetanse vi ellers ikke ville hatt",
            "vi har noen ildsjeler, og helse~sykepleieren vår er en av dem",
            "at kommune~direktøren har tatt dette inn i ledergruppa, det er forankringen, ikke sant",
            "vi har fått til et familie~team som jobber tett med skolene",
            "at vi har et felles språk, det har betydd mye",
            "politikerne har vært med hele veien, og det merkes",
        ],
    ),
    "tiltak": dict(
        questions=["Hvilke tiltak har dere mest tro på?", "Kan du gi et eksempel på et tiltak som virker?"],
        answers=[
            "{program} har vi hatt gode erfaringer med, foreldrene sier at det hjelper",
            "vi har et lav~terskel~tilbud der ungdom kan komme uten time, og det er godt besøkt",
            "fritids~kortet har gjort at flere barn er med på noe",
            "hjemme~besøk fra helse~stasjonen når alle, og det er der vi fanger opp mye",
            "vi prøver ut familie~råd tidligere i sakene, og det har vært lovende",
            "ungdoms~losen har fått mange tilbake til skolen",
        ],
    ),
    "medvirkning": dict(
        questions=["Hvordan har barn og unge fått medvirke?", "Har ungdoms~rådet vært involvert?"],
        answers=[
            "ungdoms~rådet var med i en workshop, og de var veldig tydelige på at de ville ha flere møte~plasser",
            "vi snakket med elev~rådene på ungdoms~skolene, men det burde vi gjort mer av",
            "det er vanskelig å få med de barna som faktisk trenger hjelpen",
            "medvirkning er lett å skrive om, men det er vanskelig å gjøre ordentlig",
        ],
    ),
    "framtid": dict(
        questions=["Hva tenker du om de neste årene?", "Hvis du kunne bestemme, hva ville du endret?"],
        answers=[
            "hvis vi hadde hatt en egen koordinator i en halv stilling, så ville det vært noe helt annet",
            "jeg håper vi klarer å holde på folkene vi har, for det er det viktigste",
            "vi må bli bedre på å måle om det vi gjør virker",
            "jeg tror vi må samle tjenestene mer, noe som ligner Familiens hus",
            "planen skal rulleres neste år, og da må vi ta med samarbeidet mer konkret",
        ],
    ),
}
FOLLOW_UPS = ["Kan du si mer om det?", "Hvordan da?", "Har du et eksempel?", "Hva tenker du er grunnen til det?",
              "Er det noe som har endret seg?", "Hvordan merker dere det i hverdagen?", "Mm. Og hva gjorde dere da?",
              "Hva sier de andre tjenestene om det?"]
OPENERS = ["Altså, ", "Ja, ", "Ehm, ", "Men ", "Og så ", "Jeg tenker at ", "Ja, altså, ", "Nei, ", "Ja, nei, ",
           "Det er jo sånn at ", "Hm, ", "Jo, ", "For å være ærlig, ", "Sånn som jeg ser det, "]
TAGS = [", ikke sant", ", da", ", liksom", ", på en måte", ", egentlig", ", tror jeg", ", altså", ", sånn sett",
        ", i hvert fall", ""]
SHORT = ["Ja.", "Ja, det er riktig.", "Mm.", "Nei, ikke egentlig.", "Det er et godt spørsmål.", "Ja, absolutt.",
         "Det vet jeg ikke helt.", "Ja, det kan du si."]

# --------------------------------------------------------------------------- compositional sentences
# subject + modal + verb phrase + (purpose): tens of thousands of distinct plan sentences.

PLAN_SUBJECTS = [
    "Kommunen", "{Tjeneste}", "Barne~vern~tjenesten", "Helse~stasjonen", "Skolene", "Barne~hagene", "Alle tjenester",
    "Styrings~gruppen", "Koordinatoren", "Det tverr~faglige teamet", "Ledelsen i oppvekst~sektoren", "NAV", "PPT",
    "Familie~teamet", "Kultur og fritid", "{Kg} tjenester for barn og unge", "Hver virksomhet",
]
PLAN_MODALS = ["skal", "vil", "skal i plan~perioden", "har ansvar for å", "prioriterer å", "skal fortsatt",
               "skal innen {år2}", "har som mål å", "vil i samarbeid med {tjeneste2}"]
PLAN_VERB_PHRASES = [
    "styrke samarbeidet med {tjeneste}", "videre~utvikle {program}", "gi tilbud om foreldre~veiledning til {gruppe}",
    "følge opp barn med høyt fravær", "kartlegge behovene til {gruppe}", "sikre at bekymringer blir fulgt opp",
    "gjøre tilbudene kjent for innbyggerne", "utvikle felles rutiner for overganger", "bruke data fra {kilde} i planleggingen",
    "øke kompetansen om {risiko}", "etablere faste møte~punkter med {tjeneste}", "involvere barn og unge i utformingen av tiltakene",
    "redusere {risiko} blant {gruppe}", "samordne innsatsen overfor {gruppe}", "prøve ut {program} i to skole~kretser",
    "vurdere behovet for en egen koordinator", "rapportere på indikatorene hvert år", "ta i bruk en felles modell for å ta opp uro",
    "legge til rette for lav~terskel~tilbud", "styrke de universelle tjenestene", "sikre en trygg overgang fra barne~hage til skole",
    "gi råd og veiledning til ansatte som er bekymret for et barn", "gjennomgå samarbeids~avtalene", "tilby hjemme~besøk til {gruppe}",
    "bidra til at flere barn deltar i fritids~aktiviteter", "evaluere tiltakene sammen med brukerne",
    "ha oversikt over levekårene til barn og unge", "dele kunnskap på tvers av sektorene",
]
PLAN_PURPOSES = [
    "", "", "", "slik at færre barn trenger hjelp fra barne~vernet", "for å fange opp barn som strever tidlig",
    "i tråd med intensjonen i barne~verns~reformen", "slik at familier møter en helhetlig tjeneste",
    "for å forebygge {risiko}", "slik at ansvaret er tydelig", "og dette skal beskrives i virksomhets~planene",
    "med støtte fra {leder}", "innenfor dagens økonomiske rammer", "slik at {beskytt} styrkes",
]

# spoken: opener + subject + verb phrase + tag
SPOKEN_SUBJECTS = ["vi har jo prøvd å", "det er vanskelig å", "vi må bli bedre til å", "vi har klart å",
                   "jeg skulle ønske vi kunne", "det handler om å", "vi har ikke fått til å", "vi jobber med å",
                   "planen sier at vi skal", "politikerne vil at vi skal", "skolene ønsker at vi skal",
                   "det er mitt ansvar å", "vi har begynt å"]
SPOKEN_VERB_PHRASES = [
    "samarbeide mer med {tjeneste}", "komme tidligere inn i sakene", "få foreldrene med", "fange opp de barna som strever",
    "holde på de ansatte vi har", "få {program} til å fungere", "snakke med ungdommene selv", "følge opp fraværet",
    "få NAV mer på banen", "lage gode rutiner for overganger", "bruke planen aktivt", "gi råd til barnehagene",
    "dokumentere hva vi gjør", "nå de familiene som ikke selv tar kontakt", "få ned antallet plasseringer",
    "bygge tillit til barne~vernet", "jobbe på tvers av sektorene", "forankre arbeidet i ledelsen",
    "få til en felles forståelse av forebygging", "ta opp uro tidlig", "samordne tjenestene rundt {gruppe}",
]
