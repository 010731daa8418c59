from cxsurvey.cli import main

main()
