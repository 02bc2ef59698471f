"""Word lists the demo EPD draws from: Dutch names, Twente places, clinical catalogues.

All people and addresses are synthetic; place names, street names and postcode ranges are
Twente's (so postcodes pass ``stdnum.nl.postcode``), clinical terms are ordinary Dutch
hospital vocabulary.
"""
from __future__ import annotations

# (prefix, surname). Common Dutch and Twente names, and some with accents for search tests.
SURNAMES = [
    ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), ("", "Bakker"),
    ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"),
    ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"),
    ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"),
    ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"), ("de", "Haan"),
    ("", "Vermeulen"), ("van den", "Heuvel"), ("van der", "Veen"), ("van den", "Broek"),
    ("de", "Bruijn"), ("de", "Jong"), ("", "Nijhuis"), ("", "Kamphuis"), ("", "Wolters"),
    ("", "Hulshof"), ("", "Lansink"), ("ter", "Horst"), ("", "Kuipers"), ("", "Veldhuis"),
    ("", "Haverkate"), ("", "Pierik"), ("", "Nijenhuis"), ("", "Olthof"), ("", "Wessels"),
    ("", "Brinkman"), ("", "Schuurman"), ("", "Bruggink"), ("", "Leferink"), ("", "Groothuis"),
    ("", "Assink"), ("", "Roerink"), ("", "Scholten"), ("", "Morsink"), ("ten", "Brinke"),
    ("", "Oude Luttikhuis"), ("", "Klein Gunnewiek"), ("", "Hofstede"), ("", "Bosch"),
    ("", "Lammers"), ("", "Kuiper"), ("", "Ros"), ("van", "Vliet"), ("", "Gerritsen"),
    ("", "Çelik"), ("", "Yılmaz"), ("", "Öztürk"), ("", "Müller"), ("", "Hernández"),
    ("", "Lefèvre"), ("", "Ünal"), ("", "Šimić"), ("", "Brügemann"), ("d'", "Hondt"),
]

MALE_NAMES = [
    "Jan", "Gerrit", "Hendrik", "Bernard", "Johannes", "Willem", "Theo", "Henk", "Bert", "Gert",
    "Anton", "Frank", "Mark", "Erik", "Ruud", "Daan", "Sem", "Lucas", "Thijs", "Bram", "Jesse",
    "Niels", "Stijn", "Tim", "Joost", "Ahmet", "Mehmet", "Rik", "Wout", "Gijs", "Hüseyin", "José",
]
FEMALE_NAMES = [
    "Maria", "Johanna", "Anna", "Hendrika", "Gerda", "Ria", "Annie", "Ingrid", "Monique", "Sandra",
    "Linda", "Esther", "Marloes", "Anouk", "Lotte", "Emma", "Julia", "Sanne", "Fleur", "Iris",
    "Femke", "Noor", "Lieke", "Zeynep", "Fatma", "Renée", "Chloë", "Inge", "Wilma", "Mirjam",
]

# City, numeric postcode range (inclusive), telephone area code, streets.
CITIES = [
    ("Enschede", (7511, 7548), "053", [
        "Haaksbergerstraat", "Hengelosestraat", "Oldenzaalsestraat", "Gronausestraat",
        "Deurningerstraat", "Lasondersingel", "Pathmossingel", "Boulevard 1945", "Roomweg",
        "Kuipersdijk", "Hoge Bothofstraat", "Javastraat", "Lipperkerkstraat", "Brinkstraat",
        "Zuiderval", "Ariënsplein", "Wooldriksweg", "Het Stroink", "Glanerbrugstraat"]),
    ("Hengelo", (7550, 7559), "074", [
        "Enschedesestraat", "Deldenerstraat", "Oldenzaalsestraat", "Boekelosestraat",
        "Breemarsweg", "Tuindorpstraat", "Geerdinksweg", "Anninksweg", "Woolderesweg"]),
    ("Almelo", (7600, 7609), "0546", [
        "Wierdensestraat", "Ootmarsumsestraat", "Bornsestraat", "Grotestraat", "Rohofstraat",
        "Windmolenbroeksweg", "Schuilenburgsingel", "Sluitersveldssingel"]),
    ("Oldenzaal", (7570, 7577), "0541", [
        "Hengelosestraat", "Vos de Waelstraat", "Bentheimerstraat", "Haerstraat", "Lossersestraat"]),
    ("Borne", (7620, 7625), "074", ["Grotestraat", "Azelosestraat", "Bornerbroeksestraat", "Spoorstraat"]),
    ("Haaksbergen", (7480, 7483), "053", ["Enschedesestraat", "Goorsestraat", "Spoorstraat", "Eibergsestraat"]),
    ("Losser", (7580, 7582), "053", ["Gronausestraat", "Oldenzaalsestraat", "Raadhuisplein", "Martinusstraat"]),
    ("Rijssen", (7460, 7463), "0548", ["Haarstraat", "Wierdensestraat", "Jonkersstraat", "Enterstraat"]),
    ("Nijverdal", (7440, 7443), "0548", ["Grotestraat", "Salomonsonstraat", "Wilhelminastraat"]),
    ("Goor", (7470, 7472), "0547", ["Grotestraat", "Deldensestraat", "Kerkstraat"]),
    ("Delden", (7490, 7491), "074", ["Langestraat", "Hengelosestraat", "Molenstraat"]),
    ("Tubbergen", (7650, 7651), "0546", ["Grotestraat", "Uelserweg", "Hoofdstraat"]),
    ("Vriezenveen", (7670, 7672), "0546", ["Westeinde", "Oosteinde", "Julianastraat"]),
    ("Wierden", (7640, 7642), "0546", ["Rijssensestraat", "Stationsstraat", "Kerkstraat"]),
]

INSURERS = ["Menzis", "Zilveren Kruis", "CZ", "VGZ", "DSW", "ONVZ", "a.s.r."]

SPECIALTIES = [
    "Interne geneeskunde", "Cardiologie", "Longgeneeskunde", "Neurologie", "Chirurgie",
    "Orthopedie", "Urologie", "Gynaecologie", "Kindergeneeskunde", "Maag-darm-leverziekten",
    "Dermatologie", "Oogheelkunde", "KNO", "Geriatrie", "Reumatologie", "Oncologie",
]
SURGICAL = ["Chirurgie", "Orthopedie", "Urologie", "Gynaecologie", "KNO", "Oogheelkunde"]

# (description, ICD-10, specialty)
DIAGNOSES = [
    ("Diabetes mellitus type 2", "E11.9", "Interne geneeskunde"),
    ("Essentiële hypertensie", "I10", "Interne geneeskunde"),
    ("Atriumfibrilleren", "I48.9", "Cardiologie"),
    ("Hartfalen", "I50.9", "Cardiologie"),
    ("Acuut myocardinfarct", "I21.9", "Cardiologie"),
    ("COPD", "J44.9", "Longgeneeskunde"),
    ("Astma", "J45.9", "Longgeneeskunde"),
    ("Pneumonie", "J18.9", "Longgeneeskunde"),
    ("Herseninfarct", "I63.9", "Neurologie"),
    ("Migraine", "G43.9", "Neurologie"),
    ("Coxartrose", "M16.9", "Orthopedie"),
    ("Gonartrose", "M17.9", "Orthopedie"),
    ("Cholecystolithiasis", "K80.2", "Chirurgie"),
    ("Liesbreuk", "K40.9", "Chirurgie"),
    ("Benigne prostaathyperplasie", "N40", "Urologie"),
    ("Reumatoïde artritis", "M06.9", "Reumatologie"),
    ("Mammacarcinoom", "C50.9", "Oncologie"),
    ("Coloncarcinoom", "C18.9", "Oncologie"),
    ("Cataract", "H26.9", "Oogheelkunde"),
    ("Basaalcelcarcinoom", "C44.9", "Dermatologie"),
    ("Ziekte van Crohn", "K50.9", "Maag-darm-leverziekten"),
    ("Anemie", "D64.9", "Interne geneeskunde"),
]
CONDITIONS = ["Diabetes mellitus", "Hypertensie", "Chronische nierschade", "Artrose", "Depressie",
              "Hypothyreoïdie", "Osteoporose", "Slechthorendheid", "Obesitas", "Dementie"]

# (substance, category, reaction)
ALLERGIES = [
    ("Penicilline", "Medicijn", "Huiduitslag"), ("Amoxicilline", "Medicijn", "Urticaria"),
    ("Pinda", "Voedsel", "Anafylaxie"), ("Jodiumhoudend contrastmiddel", "Medicijn", "Jeuk"),
    ("Latex", "Omgeving", "Contacteczeem"), ("Huisstofmijt", "Omgeving", "Rhinitis"),
    ("Diclofenac", "Medicijn", "Benauwdheid"), ("Koemelk", "Voedsel", "Buikklachten"),
    ("Wespengif", "Omgeving", "Zwelling"), ("Codeïne", "Medicijn", "Misselijkheid"),
]

# (name, dosage, route, indication)
DRUGS = [
    ("Metformine tablet 500mg", "3 maal daags 1 tablet", "Oraal", "Diabetes mellitus type 2"),
    ("Metoprolol tablet 50mg", "1 maal daags 1 tablet", "Oraal", "Hypertensie"),
    ("Amlodipine tablet 5mg", "1 maal daags 1 tablet", "Oraal", "Hypertensie"),
    ("Simvastatine tablet 40mg", "1 maal daags 1 tablet 's avonds", "Oraal", "Hypercholesterolemie"),
    ("Omeprazol capsule 20mg", "1 maal daags 1 capsule", "Oraal", "Maagbescherming"),
    ("Paracetamol tablet 500mg", "zo nodig 4 maal daags 2 tabletten", "Oraal", "Pijn"),
    ("Apixaban tablet 5mg", "2 maal daags 1 tablet", "Oraal", "Atriumfibrilleren"),
    ("Furosemide tablet 40mg", "1 maal daags 1 tablet", "Oraal", "Hartfalen"),
    ("Salbutamol inhalator 100µg", "zo nodig 1-2 inhalaties", "Inhalatie", "Astma"),
    ("Levothyroxine tablet 50µg", "1 maal daags 1 tablet nuchter", "Oraal", "Hypothyreoïdie"),
    ("Ceftriaxon injectie 2g", "1 maal daags 2 g", "Intraveneus", "Pneumonie"),
    ("Nadroparine injectie 2850IE", "1 maal daags 1 injectie", "Subcutaan", "Tromboseprofylaxe"),
    ("Morfine drank 1mg/ml", "zo nodig 6 maal daags 5 ml", "Oraal", "Pijn"),
    ("Prednisolon tablet 5mg", "1 maal daags 6 tabletten", "Oraal", "Exacerbatie COPD"),
    ("Insuline aspart 100E/ml", "volgens schema", "Subcutaan", "Diabetes mellitus"),
]

# (test, group, unit, low, high, typical mean, spread, LOINC)
LAB_TESTS = [
    ("Hemoglobine", "Hematologie", "mmol/l", 8.5, 11.0, 8.9, 1.0, "718-7"),
    ("Leukocyten", "Hematologie", "10^9/l", 4.0, 10.0, 7.5, 2.5, "6690-2"),
    ("Trombocyten", "Hematologie", "10^9/l", 150.0, 400.0, 260.0, 70.0, "777-3"),
    ("Natrium", "Klinische chemie", "mmol/l", 135.0, 145.0, 140.0, 3.0, "2951-2"),
    ("Kalium", "Klinische chemie", "mmol/l", 3.5, 5.0, 4.2, 0.5, "2823-3"),
    ("Kreatinine", "Klinische chemie", "µmol/l", 60.0, 110.0, 90.0, 25.0, "2160-0"),
    ("eGFR (CKD-EPI)", "Klinische chemie", "ml/min/1.73m²", 60.0, None, 75.0, 20.0, "62238-1"),
    ("CRP", "Klinische chemie", "mg/l", None, 10.0, 8.0, 12.0, "1988-5"),
    ("Glucose (nuchter)", "Klinische chemie", "mmol/l", 4.0, 6.1, 6.0, 1.5, "1558-6"),
    ("HbA1c", "Klinische chemie", "mmol/mol", 20.0, 42.0, 48.0, 10.0, "4548-4"),
    ("ALAT", "Klinische chemie", "U/l", None, 45.0, 30.0, 15.0, "1742-6"),
    ("TSH", "Endocrinologie", "mU/l", 0.4, 4.0, 2.0, 1.0, "3016-3"),
    ("LDL-cholesterol", "Klinische chemie", "mmol/l", None, 2.5, 2.8, 0.8, "13457-7"),
    ("NT-proBNP", "Klinische chemie", "ng/l", None, 125.0, 250.0, 400.0, "33762-6"),
]

# (kind, unit, mean, spread, decimals)
MEASUREMENTS = [
    ("Lengte", "cm", 172.0, 10.0, 0), ("Gewicht", "kg", 78.0, 14.0, 1),
    ("Glucose", "mmol/l", 6.5, 1.8, 1), ("Temperatuur", "°C", 37.0, 0.5, 1),
    ("Hartfrequentie", "/min", 76.0, 12.0, 0), ("Saturatie", "%", 96.0, 2.0, 0),
]

PROCEDURES = [
    ("Gastroscopie", "Maag-darm-leverziekten"), ("Coloscopie", "Maag-darm-leverziekten"),
    ("ECG", "Cardiologie"), ("Inspanningstest", "Cardiologie"), ("Longfunctieonderzoek", "Longgeneeskunde"),
    ("Bronchoscopie", "Longgeneeskunde"), ("Excisie huidafwijking", "Dermatologie"),
    ("Cystoscopie", "Urologie"), ("Gewrichtspunctie", "Reumatologie"), ("EEG", "Neurologie"),
]
OPERATIONS = [
    ("Laparoscopische cholecystectomie", "Chirurgie"), ("Liesbreukcorrectie (Lichtenstein)", "Chirurgie"),
    ("Totale heupprothese", "Orthopedie"), ("Totale knieprothese", "Orthopedie"),
    ("Artroscopie knie", "Orthopedie"), ("TURP", "Urologie"), ("Hysterectomie", "Gynaecologie"),
    ("Cataractextractie met lensimplantatie", "Oogheelkunde"), ("Tonsillectomie", "KNO"),
]
IMPLANTS = [("Heupprothese", "Heup"), ("Knieprothese", "Knie"), ("Pacemaker", "Thorax"),
            ("Intraoculaire lens", "Oog"), ("Coronaire stent", "Hart"), ("Cochleair implantaat", "Oor")]
INSERTED = [("Verblijfskatheter", "Blaas"), ("Perifeer infuus", "Onderarm"), ("PICC-lijn", "Bovenarm"),
            ("Wonddrain", "Buik"), ("Maagsonde", "Neus"), ("Suprapubische katheter", "Blaas")]
AIDS = [("Rollator", None), ("Hoortoestel", "Oor"), ("Rolstoel", None), ("Bril", "Ogen"),
        ("Zuurstofconcentrator", None), ("Steunkousen", "Benen"), ("Insulinepen", None)]
STATES = [("Mobiliteit", "Loopt zelfstandig met rollator"), ("Mobiliteit", "Zelfstandig mobiel"),
          ("Cognitie", "Georiënteerd in tijd, plaats en persoon"), ("Cognitie", "Lichte geheugenproblemen"),
          ("Stemming", "Stemming adequaat"), ("Stemming", "Somber, geen suïcidale gedachten"),
          ("Voeding", "Matige eetlust"), ("Huid", "Huid intact, geen decubitus"),
          ("Zelfzorg", "Hulp bij wassen en aankleden")]
ALERTS = [("infection_risk", "MRSA-drager"), ("infection_risk", "BRMO (ESBL) positief"),
          ("infection_risk", "Hepatitis B-drager"), ("condition", "Epilepsie"),
          ("condition", "Moeilijke intubatie"), ("other", "Jehova's getuige: geen bloedtransfusie"),
          ("condition", "Antistolling (DOAC)")]
NURSING = [
    # (NANDA code, problem, NOC code, outcome, NIC code, intervention, frequency)
    ("00085", "Verminderde lichamelijke mobiliteit", "0208", "Mobiliteit", "0221", "Oefentherapie: lopen",
     "2x per dag"),
    ("00132", "Acute pijn", "2102", "Pijnniveau", "1400", "Pijnmanagement", "3x per dag"),
    ("00155", "Valrisico", "1909", "Valpreventiegedrag", "6490", "Valpreventie", "dagelijks"),
    ("00002", "Onvoldoende voeding", "1004", "Voedingstoestand", "1100", "Voedingsmanagement", "bij elke maaltijd"),
    ("00047", "Risico op decubitus", "1101", "Weefselintegriteit: huid", "3540", "Decubituspreventie", "elke 4 uur"),
    ("00146", "Angst", "1211", "Angstniveau", "5820", "Angstreductie", "dagelijks"),
]
DIET_ADVICE = ["Natriumbeperkt dieet (2 gram)", "Energie- en eiwitverrijkt dieet", "Diabetesdieet",
               "Vezelrijk dieet", "Glutenvrij dieet", "Gemalen voeding in verband met slikproblemen"]
DIET_AGREEMENTS = ["Vochtbeperking 1,5 liter per dag", "Nuchter vanaf 24.00 uur voor de ingreep",
                   "Eet zelfstandig, hulp bij openen verpakkingen", "Sondevoeding 1500 ml per 24 uur"]
RESTRICTIONS = [("Reanimatie", "not_allowed"), ("Beademing", "not_allowed"),
                ("Opname intensive care", "with_restrictions"), ("Reanimatie", "allowed")]
MICRO = [("Urinekweek", "Urine (midstream)", "Escherichia coli", ">10^5 kve/ml"),
         ("Bloedkweek", "Bloed", "Staphylococcus aureus", None),
         ("Sputumkweek", "Sputum", "Haemophilus influenzae", "++"),
         ("Wondkweek", "Wondvocht", "Pseudomonas aeruginosa", "+"),
         ("Feceskweek", "Feces", None, None)]
ANTIBIOTICS = ["Amoxicilline", "Amoxicilline/clavulaanzuur", "Ciprofloxacine", "Nitrofurantoïne",
               "Cotrimoxazol", "Flucloxacilline", "Gentamicine"]
PATHOLOGY = [("Histologie huidexcisie", "Huid rug", "Basaalcelcarcinoom, nodulair type, radicaal verwijderd."),
             ("Histologie poliep colon", "Colon poliep", "Tubulair adenoom met laaggradige dysplasie."),
             ("Cytologie cervix", "Cervixuitstrijk", "Geen afwijkingen (Pap 1)."),
             ("Histologie mammabiopt", "Mamma links", "Fibroadenoom, geen aanwijzingen voor maligniteit.")]
IMAGING = [("radiology", "X-thorax", "X-thorax twee richtingen", "Geen infiltraten. Normale hartgrootte."),
           ("radiology", "CT", "CT abdomen met contrast", "Geen afwijkingen aan de parenchymateuze organen."),
           ("radiology", "MRI", "MRI knie rechts", "Scheur achterhoorn mediale meniscus."),
           ("radiology", "Echo", "Echo bovenbuik", "Meerdere galstenen, geen tekenen van cholecystitis."),
           ("radiology", "X", "X-heup links", "Coxartrose, gewrichtsspleetversmalling."),
           ("nuclear", "Skeletscintigrafie", "Skeletscintigrafie", "Geen aanwijzingen voor botmetastasen."),
           ("nuclear", "PET-CT", "FDG PET-CT", "Geen FDG-aviede laesies.")]
COMPLAINTS = [("Pijn op de borst", "Cardiologie", "U2 (oranje)"), ("Benauwdheid", "Longgeneeskunde", "U2 (oranje)"),
              ("Val op heup", "Orthopedie", "U3 (geel)"), ("Buikpijn", "Chirurgie", "U3 (geel)"),
              ("Koorts", "Interne geneeskunde", "U3 (geel)"), ("Hoofdwond", "Chirurgie", "U4 (groen)"),
              ("Verwardheid", "Geriatrie", "U2 (oranje)"), ("Halfzijdige verlamming", "Neurologie", "U1 (rood)"),
              ("Enkeldistorsie", "Orthopedie", "U4 (groen)")]
ED_DISCHARGE = ["Naar huis", "Opname", "Poli-controle", "Terug naar huisarts", "Overplaatsing"]
REFERRED_BY = ["Huisarts", "Huisartsenpost", "Ambulance", "Eigen initiatief"]
APPOINTMENT_TYPES = ["Eerste polibezoek", "Controle", "Telefonisch consult", "Uitslaggesprek",
                     "Beeldbelconsult", "Pre-operatieve screening"]
LETTER_TYPES = ["Polibrief", "Ontslagbrief", "Brief aan huisarts", "Verslag SEH-bezoek", "Operatieverslag"]
PHYSICIAN_NAMES = ["dr. A. de Boer", "dr. M. Nijhuis", "J. Kamphuis", "dr. S. van Dijk", "E. Scholten",
                   "dr. H. Hulshof", "drs. L. Wessels", "dr. F. Brinkman", "dr. R. ter Horst", "M. Çelik"]
NURSE_NAMES = ["A. Jansen, verpleegkundige", "B. Smit, verpleegkundige", "C. Mulder, verpleegkundige",
               "D. Visser, verpleegkundig specialist"]
ORDER_CATALOGUE = [
    ("LAB-BB", "Bloedbeeld (Hb, leukocyten, trombocyten)", "Laboratorium"),
    ("LAB-NIER", "Nierfunctie (kreatinine, eGFR, natrium, kalium)", "Laboratorium"),
    ("LAB-HBA1C", "HbA1c", "Laboratorium"), ("LAB-TSH", "TSH", "Laboratorium"),
    ("LAB-LIPID", "Lipidenspectrum", "Laboratorium"),
    ("RAD-THORAX", "X-thorax", "Radiologie"), ("RAD-ECHO-ABD", "Echo abdomen", "Radiologie"),
    ("RAD-X-KNIE", "X-knie", "Radiologie"),
    ("FUNC-ECG", "ECG", "Functieonderzoek"), ("FUNC-SPIRO", "Spirometrie", "Functieonderzoek"),
]
