"""English stopwords for keyphrase extraction (SMART-style list plus scholarly filler)."""

STOPWORDS = frozenset(
    """
a about above according across actually after afterwards again against all almost alone along already also
although always am among amongst an and another any anyhow anyone anything anyway anywhere are around as
aside at away be became because become becomes becoming been before beforehand behind being below beside
besides best better between beyond both brief but by can cannot cant certain certainly clearly co could
did do does doing done down due during each eg eight either else elsewhere enough especially et etc even
ever every everyone everything everywhere ex exactly example except far few fifth first five followed
following for former formerly forth four from further furthermore get gets getting given gives go goes
going gone got had has have having he hence her here hereafter hereby herein hers herself him himself his
how however i ie if in inc indeed instead into is it its itself just keep keeps kept know known last
lately later latter least less lest let like likely little ltd made mainly make makes many may maybe me
mean meanwhile merely might more moreover most mostly much must my myself namely near nearly necessary
need needs neither never nevertheless new next nine no nobody non none nor not nothing novel now nowhere
of off often oh ok okay on once one ones only onto or other others otherwise ought our ours ourselves out
outside over overall own particular particularly per perhaps placed please plus possible probably
provide provides provided quite rather re really regarding relatively respectively right said same
second secondly see seem seemed seeming seems seen self selves sensible sent serious seriously seven
several shall she should since six so some somebody somehow someone something sometime sometimes
somewhat somewhere specifically still sub such sup sure take taken than that the their theirs them
themselves then thence there thereafter thereby therefore therein thereupon these they third this
thorough thoroughly those though three through throughout thru thus to together too took toward towards
tried tries truly try trying twice two under unfortunately unless unlike unlikely until unto up upon us
use used useful uses using usually various very via viz vs want was way we well went were what whatever
when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which while
whither who whoever whole whom whose why will willing wish with within without would yet you your yours
yourself yourselves zero
paper papers propose proposes proposed present presents presented show shows shown demonstrate
demonstrates demonstrated introduce introduces introduced achieve achieves achieved approach approaches
method methods result results study studies work works existing recent recently significantly
significant different based able address addresses across effectively effective extensive experiments
experimental leading leverage leverages leveraging enables enable enabling allows allow
""".split()
)
