from demo_app.launcher import main

main()
